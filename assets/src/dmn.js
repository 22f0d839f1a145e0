// The DMN decision-table editor.
import DmnModeler from 'dmn-js/lib/Modeler';

function createDmnModeler(container) {
  return new DmnModeler({ container, common: { keyboard: { bindTo: window } } });
}

window.SanjiDmn = { createDmnModeler };
