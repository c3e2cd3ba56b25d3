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
  ['z', 'Zoom the map to the selection (not a search)'],
  ['/', 'Search keys, labels, texts and metadata: Enter selects the hits, Esc clears'],
  ['f', 'Filtered-out points: fade or hide'],
  ['p', 'Highlight points placed after the map was computed'],
  ['+ / -', 'Bigger / smaller points'],
  ['c', 'Choose what colours the map'],
  ['t', 'Tag the selection'],
];

/** The review queue's keys (explorer/review/), while it is open: they win over the above. */
export const REVIEW_SHORTCUTS: readonly [keys: string, what: string][] = [
  ['a / Enter', 'Review: accept the suggested label'],
  ['1 … 9', 'Review: relabel as the numbered label'],
  ['l', 'Review: type to filter the labels (Enter picks the first)'],
  ['c', 'Review: keep (confirm) the current label'],
  ['n', 'Review: not sure'],
  ['s / →', 'Review: skip to the next row'],
  ['←', 'Review: back to the previous row'],
  ['z', 'Review: undo the last decision of this session'],
  ['Esc', 'Review: close the queue'],
];
