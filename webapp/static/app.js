/* Small enhancements; every page works without them (no inline scripts: the CSP allows 'self' only).
   - forms with data-confirm ask before an irreversible action (the server checks it anyway);
   - on narrow screens the navigation folds behind a menu button. */
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  function setUpMenu() {
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
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', setUpMenu);
  } else {
    setUpMenu();
  }
})();
