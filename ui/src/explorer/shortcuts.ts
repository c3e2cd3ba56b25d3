// The Explorer's keyboard shortcuts: one list for the handlers' documentation and the
// help overlay (`?`).
export const SHORTCUTS: readonly [keys: string, what: string][] = [
  ['?', 'Show or hide this help'],
  ['r', 'Reset the view to the whole map'],
  ['l', 'Lasso mode on / off (then drag to select)'],
  ['Shift + drag', 'Lasso that adds to the selection (in any mode)'],
  ['Shift + click', 'Add a point to the selection'],
  ['Alt + click', 'Remove a point from the selection'],
  ['Alt + drag', 'In lasso mode: remove the lassoed points'],
  ['Double-click', 'On empty space: clear the selection'],
  ['Esc', 'Close help, then the datapoint, then clear the selection'],
  ['a', 'Select every point that passes the filters'],
  ['z', 'Zoom to the selection'],
  ['f', 'Filtered-out points: fade or hide'],
  ['p', 'Highlight points placed after the map was computed'],
  ['+ / -', 'Bigger / smaller points'],
  ['c', 'Choose what colours the map'],
  ['t', 'Tag the selection'],
];
