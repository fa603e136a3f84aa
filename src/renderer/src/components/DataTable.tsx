/**
 * A plain, accessible table of rows that the caller has already turned into text (lib/api-views.ts): React
 * escapes every cell, so an API's text is shown as text and never as markup.
 */
import type { TableColumn, TableRow } from '../lib/api-views';

interface Props {
  columns: TableColumn[];
  rows: TableRow[];
  caption: string;
}

export function DataTable({ columns, rows, caption }: Props) {
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="api-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col" className={column.align === 'end' ? 'num' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-row-id={row.id}>
              {columns.map((column, index) =>
                index === 0 ? (
                  <th key={column.key} scope="row">
                    {row.cells[column.key] ?? ''}
                  </th>
                ) : (
                  <td key={column.key} className={column.align === 'end' ? 'num' : undefined}>
                    {row.cells[column.key] ?? ''}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
