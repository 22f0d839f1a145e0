/* The pages' only script, served from /static so the Content-Security-Policy can forbid inline
   script. Every page works without it; it adds rows to repeated form sections, prints, asks
   before irreversible actions (forms with data-confirm; the server checks them anyway) and
   folds the navigation behind a menu button on narrow screens. */
(function () {
  'use strict';

  /* "Add row" buttons of repeated form sections: clone the <template> row, numbering it. */
  function enableRepeats() {
    var ATTRS = ['id', 'name', 'for', 'aria-describedby'];
    document.querySelectorAll('button.form-repeat-add[data-repeat]').forEach(function (button) {
      if (button.dataset.ready) { return; }
      button.dataset.ready = '1';
      var rows = document.getElementById(button.dataset.repeat + '--rows');
      var template = document.getElementById(button.dataset.repeat + '--template');
      if (!rows || !template) { return; }
      var max = parseInt(rows.dataset.maxRows, 10);
      function full() { return rows.children.length >= max; }
      button.hidden = full();
      button.addEventListener('click', function () {
        var index = parseInt(rows.dataset.nextIndex, 10);
        var clone = template.content.cloneNode(true);
        clone.querySelectorAll('*').forEach(function (el) {
          ATTRS.forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value) { el.setAttribute(attr, value.split('__i__').join(String(index))); }
          });
          if (el.classList.contains('form-row-legend')) {
            el.textContent = el.textContent.split('__n__').join(String(rows.children.length + 1));
          }
        });
        rows.appendChild(clone);
        rows.dataset.nextIndex = String(index + 1);
        button.hidden = full();
        var first = rows.lastElementChild.querySelector('input, select, textarea');
        if (first) { first.focus(); }
      });
    });
  }

  /* Buttons marked data-print open the browser's print dialog (printable notice pages). */
  function enablePrint() {
    document.querySelectorAll('button[data-print]').forEach(function (button) {
      button.hidden = false;
      button.addEventListener('click', function () { window.print(); });
    });
  }

  /* Forms marked data-confirm ask first (withdrawals, opening a vote). */
  function enableConfirm() {
    document.addEventListener('submit', function (event) {
      var form = event.target;
      var question = form && form.getAttribute && form.getAttribute('data-confirm');
      if (question && !window.confirm(question)) {
        event.preventDefault();
      }
    }, true);
  }

  /* On narrow screens the navigation folds behind the menu button (CSS hides it once .js is set). */
  function enableMenu() {
    var toggle = document.getElementById('nav-toggle');
    var nav = document.getElementById('main-nav');
    if (!toggle || !nav) { return; }
    document.documentElement.classList.add('js');
    toggle.hidden = false;
    toggle.addEventListener('click', function () {
      var open = nav.classList.toggle('open');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }

  function start() {
    enableRepeats();
    enablePrint();
    enableMenu();
  }

  enableConfirm();
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
