/** Code-point order, like the server's sort (locale-independent, stable across machines). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
