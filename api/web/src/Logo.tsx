import type { SVGProps } from 'react'

// Maatwerk's own mark: the City of Amsterdam's logo is for the City's own services.
export function MaatwerkMark(props: SVGProps<SVGSVGElement>) {
  return (
    <svg viewBox="0 0 40 40" width="40" height="40" aria-hidden="true" focusable="false" {...props}>
      <rect x="2" y="2" width="36" height="36" rx="6" fill="#004699" />
      <path d="M9 29V11l11 10 11-10v18" fill="none" stroke="#fff" strokeWidth="4" strokeLinejoin="round" />
    </svg>
  )
}
