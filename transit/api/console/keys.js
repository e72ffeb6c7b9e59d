// The console's keyboard (every page of a logged-in user): g then a letter
// follows the header link with that data-go; / focuses the page's search or
// first filter field; ? opens the help (a modal <dialog>: Esc closes it);
// in a table marked data-keys-list, j/k move the focus along its rows, Enter
// opens the row's first link and a puts the cursor in the row's note (the
// acknowledge form: Enter sends it). Nothing happens while typing in a field
// (Esc leaves the field) or with Ctrl, Alt or Meta held, so the browser's
// own keys and the input methods keep working.
(function () {
  'use strict';
  var GO_WAIT_MS = 1500;  // how long a g waits for its letter
  var help = document.getElementById('keys-help');
  var goPressedAt = 0;
  var chosen = null;  // the chosen row's identity, kept across a redraw of its list

  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    return tag === 'input' || tag === 'textarea' || tag === 'select' || el.isContentEditable;
  }

  function openHelp() {
    if (help && !help.open) help.showModal();
  }

  function rowsOf(list) {
    return Array.prototype.filter.call(list.tBodies.length ? list.tBodies[0].rows : [], function (row) {
      return !row.hidden;
    });
  }

  function identity(row) {
    return row.getAttribute('data-alarm') || row.getAttribute('data-route') || row.getAttribute('data-draft');
  }

  // The row the keys act on: the focused one, else the one chosen before its
  // list was redrawn (the alarms page swaps its list when alarms change).
  function current(rows) {
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest('tr') : null;
    if (focused && rows.indexOf(focused) >= 0) return focused;
    return rows.filter(function (row) { return identity(row) === chosen; })[0] || null;
  }

  function choose(row) {
    row.tabIndex = -1;
    row.focus();
    chosen = identity(row);
  }

  function move(step) {
    var list = document.querySelector('table[data-keys-list]');
    if (!list) return false;
    var rows = rowsOf(list);
    if (!rows.length) return false;
    var at = rows.indexOf(current(rows));
    var next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
    choose(rows[next]);
    return true;
  }

  function chosenRow() {
    var list = document.querySelector('table[data-keys-list]');
    return list ? current(rowsOf(list)) : null;
  }

  function findField() {
    var field = document.querySelector('main [data-find], main form[method=get] input:not([type=hidden]), '
      + 'main form[method=get] select');
    if (field) { field.focus(); if (field.select) field.select(); }
    return !!field;
  }

  function go(letter) {
    var link = document.querySelector('header a[data-go="' + letter + '"]');
    if (!link) return false;
    location.href = link.href;
    return true;
  }

  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing || e.defaultPrevented) return;
    if (typing(e.target)) {
      if (e.key === 'Escape' && !(help && help.open)) e.target.blur();
      return;
    }
    if (help && help.open) return;  // the dialog's own keys (Esc, Tab, Enter on its button)
    var key = e.key, done = false;
    if (goPressedAt && Date.now() - goPressedAt < GO_WAIT_MS) {
      goPressedAt = 0;
      done = go(key);
    } else if (key === 'g') {
      goPressedAt = Date.now();
      done = true;
    } else if (key === '/') {
      done = findField();
    } else if (key === '?') {
      openHelp();
      done = true;
    } else if (key === 'j' || key === 'k') {
      done = move(key === 'j' ? 1 : -1);
    } else if (key === 'Enter') {  // only on a chosen row: on a link or a button, Enter is theirs
      var row = chosenRow(), link = row && row === document.activeElement ? row.querySelector('a[href]') : null;
      if (link) { link.click(); done = true; }
    } else if (key === 'a') {
      var note = chosenRow() ? chosenRow().querySelector('input[name=note]') : null;
      if (note) { note.focus(); done = true; }
    }
    if (done) e.preventDefault();
  });

  var hint = document.getElementById('keys-hint');
  if (hint) hint.addEventListener('click', openHelp);
  var close = document.getElementById('keys-close');
  if (close) close.addEventListener('click', function () { help.close(); });
}());
