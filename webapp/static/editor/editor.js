// The editor page: loads the file into bpmn-js, dmn-js or a textarea, saves drafts (the server
// checks them), lists problems and highlights the elements they name, fills the publish form.
(function () {
  'use strict';
  var root = document.getElementById('editor-root');
  if (!root) return;
  var kind = root.dataset.kind;
  var lockVersion = root.dataset.lockVersion ? parseInt(root.dataset.lockVersion, 10) : null;
  var status = document.getElementById('save-status');
  var problemsList = document.getElementById('problems');
  var noneNote = document.getElementById('problems-none');
  var contentField = document.getElementById('content');
  var modeler = null;
  var marked = [];

  function canvas() {
    if (!modeler) return null;
    if (kind === 'bpmn') return modeler.get('canvas');
    var viewer = modeler.getActiveViewer && modeler.getActiveViewer();
    try { return viewer ? viewer.get('canvas') : null; } catch (e) { return null; }
  }

  function highlightCells(problems) {
    // The decision table is HTML: its cells carry the DMN element ids.
    var table = document.getElementById('canvas');
    table.querySelectorAll('.has-problem').forEach(function (el) { el.classList.remove('has-problem'); });
    problems.forEach(function (p) {
      if (!p.element_id) return;
      table.querySelectorAll('[data-element-id="' + CSS.escape(p.element_id) + '"]').forEach(function (el) {
        el.classList.add('has-problem');
      });
    });
  }

  function highlight(problems) {
    if (kind === 'dmn') { highlightCells(problems); return; }
    var c = canvas();
    if (!c) return;
    var registry = kind === 'bpmn' ? modeler.get('elementRegistry') : null;
    marked.forEach(function (id) { try { c.removeMarker(id, 'has-problem'); } catch (e) { /* gone */ } });
    marked = [];
    problems.forEach(function (p) {
      if (p.element_id && registry && registry.get(p.element_id)) {
        c.addMarker(p.element_id, 'has-problem');
        marked.push(p.element_id);
      }
    });
  }

  function showProblems(problems) {
    problemsList.textContent = '';
    problems.forEach(function (p) {
      var li = document.createElement('li');
      li.dataset.element = p.element_id || '';
      li.textContent = (p.scope ? p.scope + ': ' : '') + p.text;
      problemsList.appendChild(li);
    });
    noneNote.hidden = problems.length > 0;
    highlight(problems);
  }

  problemsList.addEventListener('click', function (event) {
    var li = event.target.closest('li');
    if (!li || !li.dataset.element || kind !== 'bpmn' || !modeler) return;
    var element = modeler.get('elementRegistry').get(li.dataset.element);
    if (element) {
      modeler.get('selection').select(element);
      modeler.get('canvas').scrollToElement(element);
    }
  });

  function currentText() {
    if (kind === 'bpmn' || kind === 'dmn') {
      return modeler.saveXML({ format: true }).then(function (r) { return r.xml; });
    }
    return Promise.resolve(contentField.value);
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': root.dataset.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function saveDraft() {
    status.textContent = '…';
    var text;
    return currentText().then(function (value) {
      text = value;
      return post(root.dataset.draftUrl, { file: root.dataset.file, scope: root.dataset.scope, content: text, lock_version: lockVersion });
    }).then(function (result) {
      if (result.data.lock_version !== undefined) lockVersion = result.data.lock_version;
      status.textContent = result.data.message || (result.status === 200 ? root.dataset.savedText : root.dataset.errorText);
      root.dataset.state = result.status === 200 ? 'saved' : 'refused';
      showProblems(result.data.problems || []);
      if (kind === 'form') preview();
      if (kind === 'dmn' && result.status === 200) showImpact(text);
    }).catch(function () { status.textContent = root.dataset.errorText; });
  }

  function showImpact(text) {
    var target = document.getElementById('impact');
    if (!target) return;
    post(target.dataset.url, { file: root.dataset.file, scope: root.dataset.scope, content: text }).then(function (result) {
      target.innerHTML = result.data.html || '';  // server-rendered, escaped by the templates
      target.dataset.state = 'shown';
    });
  }

  var previewTimer = null;
  function preview() {
    var target = document.getElementById('form-preview');
    if (!target) return;
    post(root.dataset.previewUrl, { file: root.dataset.file, scope: root.dataset.scope, content: contentField.value })
      .then(function (result) {
        if (result.data.html) {
          target.innerHTML = result.data.html;  // server-rendered by the app's form templates (escaped)
        } else {
          target.textContent = (result.data.problems || []).map(function (p) { return p.text; }).join('\n') || result.data.message || '';
        }
      });
  }

  document.getElementById('save-draft').addEventListener('click', saveDraft);

  var publishForm = document.getElementById('publish-form');
  if (kind === 'bpmn' || kind === 'dmn') {
    publishForm.addEventListener('submit', function (event) {
      event.preventDefault();
      currentText().then(function (text) {
        contentField.value = text;
        HTMLFormElement.prototype.submit.call(publishForm);  // no second submit event
      });
    });
  }

  function initialProblems() {
    try { return JSON.parse(root.dataset.problems || '[]'); } catch (e) { return []; }
  }

  function openDiagram(xml) {
    if (kind === 'bpmn') {
      modeler = window.SanjiBpmn.createModeler(document.getElementById('canvas'), document.getElementById('properties'));
    } else {
      modeler = window.SanjiDmn.createDmnModeler(document.getElementById('canvas'));
    }
    return modeler.importXML(xml).then(function () {
      if (kind === 'bpmn') modeler.get('canvas').zoom('fit-viewport');
      if (kind === 'dmn') {
        var table = modeler.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
        if (table) return modeler.open(table);
      }
    }).then(function () {
      highlight(initialProblems());
      root.dataset.state = 'loaded';
    }).catch(function (error) {
      status.textContent = String(error && error.message || error);
      root.dataset.state = 'failed';
    });
  }

  if (kind === 'bpmn' || kind === 'dmn') {
    openDiagram(contentField.value);
  } else {
    root.dataset.state = 'loaded';
    if (kind === 'form') {
      contentField.addEventListener('input', function () {
        clearTimeout(previewTimer);
        previewTimer = setTimeout(preview, 600);
      });
      preview();
    }
  }
}());
