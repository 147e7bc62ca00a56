// Tables on a phone: a table of three or more columns becomes stacked rows
// on narrow screens (_app.scss, .app-stack), each cell led by its column's
// heading. This labels every such table in the page as it renders, so a
// table added to any view later is covered without more code: each body
// cell gets data-label from its column heading, and the table keeps its
// meaning for screen readers through explicit roles (a table restyled with
// display: block can lose its table semantics in some browsers).

function label(table) {
  const heads = [...(table.tHead?.rows[0]?.cells || [])].map((c) => c.textContent.trim());
  // A table of short figures that reads better side by side opts out with
  // .app-table--keep (in a scrolling region, so the page does not widen).
  if (heads.length < 3 || table.classList.contains('app-table--keep')) {
    table.classList.remove('app-stack');
    return;
  }
  table.classList.add('app-stack');
  table.setAttribute('role', 'table');
  for (const section of [table.tHead, ...table.tBodies, table.tFoot]) {
    if (!section) continue;
    section.setAttribute('role', 'rowgroup');
    for (const row of section.rows) {
      row.setAttribute('role', 'row');
      let col = 0;
      for (const cell of row.cells) {
        const head = section === table.tHead;
        if (head) cell.setAttribute('role', 'columnheader');
        else cell.setAttribute('role', cell.tagName === 'TH' ? 'rowheader' : 'cell');
        const text = heads[col];
        if (!head && text && cell.dataset.label !== text) cell.dataset.label = text;
        col += cell.colSpan || 1;
      }
    }
  }
}

/** stackTables labels the tables under root now and whenever it changes. */
export function stackTables(root) {
  let queued = false;
  const run = () => {
    queued = false;
    root.querySelectorAll('table.govuk-table').forEach(label);
  };
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    queueMicrotask(run);
  }).observe(root, { childList: true, subtree: true, characterData: true });
  run();
}
