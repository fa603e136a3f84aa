/**
 * The application menu, as plain data (no electron here, so it is unit-tested; `index.ts` hands it to
 * `Menu.buildFromTemplate`). Built from Electron's standard roles only: they carry the platform's own
 * labels and shortcuts, and the Edit roles are what make copy, paste, undo and select-all work in every
 * text field (on macOS a window without them has no clipboard shortcuts at all). Reload is offered — the
 * renderer asks the main process for the session on every load, so it never signs anyone out — and the
 * developer tools only in development.
 */

/** The Electron menu roles used here (a subset of Electron's `MenuItemConstructorOptions['role']`). */
export type MenuRole =
  | 'about'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'close'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'pasteAndMatchStyle'
  | 'delete'
  | 'selectAll'
  | 'reload'
  | 'forceReload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'minimize'
  | 'zoom'
  | 'front'
  | 'window'
  | 'appMenu'
  | 'fileMenu'
  | 'editMenu'
  | 'viewMenu'
  | 'windowMenu';

export type MenuItemSpec =
  | { type: 'separator' }
  | { role: MenuRole; label?: string; submenu?: MenuItemSpec[] }
  | { label: string; submenu: MenuItemSpec[] };

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Development build (not packaged): the developer tools are offered. */
  development: boolean;
  appName: string;
}

const separator: MenuItemSpec = { type: 'separator' };

export function appMenuTemplate(options: MenuOptions): MenuItemSpec[] {
  const mac = options.platform === 'darwin';
  const edit: MenuItemSpec[] = [
    { role: 'undo' },
    { role: 'redo' },
    separator,
    { role: 'cut' },
    { role: 'copy' },
    { role: 'paste' },
    ...(mac ? [{ role: 'pasteAndMatchStyle' } as const] : []),
    { role: 'delete' },
    separator,
    { role: 'selectAll' },
  ];
  const view: MenuItemSpec[] = [
    { role: 'reload' },
    { role: 'forceReload' },
    ...(options.development ? [{ role: 'toggleDevTools' } as const] : []),
    separator,
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    separator,
    { role: 'togglefullscreen' },
  ];
  const window: MenuItemSpec[] = mac
    ? [{ role: 'minimize' }, { role: 'zoom' }, separator, { role: 'front' }, separator, { role: 'window' }]
    : [{ role: 'minimize' }, { role: 'close' }];
  return [
    ...(mac
      ? [
          {
            label: options.appName,
            submenu: [
              { role: 'about' },
              separator,
              { role: 'services' },
              separator,
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              separator,
              { role: 'quit' },
            ],
          } satisfies MenuItemSpec,
        ]
      : []),
    { role: 'fileMenu', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu', submenu: edit },
    { role: 'viewMenu', submenu: view },
    { role: 'windowMenu', submenu: window },
  ];
}

/** Every role in a template, depth first (what the tests and the glue test look at). */
export function menuRoles(template: readonly MenuItemSpec[]): MenuRole[] {
  return template.flatMap((item) => [
    ...('role' in item ? [item.role] : []),
    ...('submenu' in item && item.submenu !== undefined ? menuRoles(item.submenu) : []),
  ]);
}
