/** The Latchkey key mark (inline SVG: the CSP allows no remote images for it, and it follows the theme). */
export function BrandMark({ size = 28 }: { size?: number }) {
  return (
    <svg className="brand-mark" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect x="1" y="1" width="30" height="30" rx="8" className="brand-mark-bg" />
      <circle cx="12" cy="14" r="5" className="brand-mark-fg" fill="none" strokeWidth="2.6" />
      <path d="M16 17.5 L24 25.5 M20.5 22 L23 19.5 M22.5 24 L25 21.5" className="brand-mark-fg" fill="none" strokeWidth="2.6" strokeLinecap="round" />
    </svg>
  );
}
