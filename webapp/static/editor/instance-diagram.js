// The instance page's diagram: the version the instance runs on, with done, open and waiting
// steps marked; overseers can overlay the median and 90th-percentile time of each step.
(function () {
  'use strict';
  var section = document.getElementById('instance-diagram');
  if (!section || !window.SanjiBpmn) return;
  var viewer = window.SanjiBpmn.createViewer(document.getElementById('diagram-canvas'));
  var overlayIds = [];

  function getJSON(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  function mark(ids, marker) {
    var registry = viewer.get('elementRegistry');
    var canvas = viewer.get('canvas');
    ids.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, marker); });
  }

  getJSON(section.dataset.url).then(function (data) {
    return viewer.importXML(data.xml).then(function () {
      viewer.get('canvas').zoom('fit-viewport');
      mark(data.completed, 'step-completed');
      mark(data.current, 'step-current');
      mark(data.waiting, 'step-waiting');
      if (!data.same_version) {
        var note = document.getElementById('diagram-note');
        note.textContent = section.dataset.older;
        note.hidden = false;
      }
      section.dataset.state = 'loaded';
    });
  }).catch(function () { section.dataset.state = 'failed'; });

  var toggle = document.getElementById('show-times');
  if (!toggle) return;
  toggle.addEventListener('change', function () {
    var overlays = viewer.get('overlays');
    overlayIds.forEach(function (id) { overlays.remove(id); });
    overlayIds = [];
    if (!toggle.checked) return;
    getJSON(section.dataset.timesUrl).then(function (data) {
      var registry = viewer.get('elementRegistry');
      Object.keys(data.steps).forEach(function (name) {
        if (!registry.get(name)) return;
        var s = data.steps[name];
        var badge = document.createElement('span');
        badge.className = 'time-badge';
        badge.textContent = section.dataset.median + ' ' + s.median_hours + section.dataset.hours +
          ' · p90 ' + s.p90_hours + section.dataset.hours + ' (n=' + s.count + ')';
        overlayIds.push(overlays.add(name, { position: { bottom: -4, left: 0 }, html: badge }));
      });
      section.dataset.times = 'shown';
    });
  });
}());
