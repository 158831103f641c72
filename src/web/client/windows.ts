/** The time windows a node's or container's page offers, and where a window starts. Pure. */

export interface TimeWindow {
  /** As in the URL: `&window=15m`. */
  readonly id: string;
  /** Its length; 0: everything the ring holds. */
  readonly seconds: number;
  readonly label: string;
}

/** The picker's windows, shortest first. */
export const WINDOWS: readonly TimeWindow[] = [
  { id: '15m', seconds: 900, label: '15 min' },
  { id: '1h', seconds: 3600, label: '1 h' },
  { id: '6h', seconds: 21_600, label: '6 h' },
  { id: '24h', seconds: 86_400, label: '24 h' },
  { id: 'all', seconds: 0, label: 'all' },
];

/** The window a page opens with: the one its URL names, else 1 h. */
export function pickWindow(id: string | null): TimeWindow {
  return WINDOWS.find((w) => w.id === id) ?? (WINDOWS[1] as TimeWindow);
}

/**
 * The first second of the window that ends at `newest` (the writer's newest sample, not the
 * browser's clock, so a stopped agent's last hour stays readable); null: from the ring's oldest row.
 */
export function windowStart(window: TimeWindow, newest: number | null): number | null {
  return window.seconds > 0 && newest !== null ? newest - window.seconds + 1 : null;
}
