// The BPMN modeler (with properties panel and our spiffworkflow properties) and the read-only viewer.
import Modeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import SpiffPropertiesProvider from './spiff-properties.jsx';
import spiffDescriptor from './spiffworkflow.json';

const SpiffPropertiesModule = {
  __init__: ['spiffPropertiesProvider'],
  spiffPropertiesProvider: ['type', SpiffPropertiesProvider],
};

function createModeler(container, propertiesParent) {
  return new Modeler({
    container,
    propertiesPanel: { parent: propertiesParent },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, SpiffPropertiesModule],
    moddleExtensions: { spiffworkflow: spiffDescriptor },
  });
}

function createViewer(container) {
  return new NavigatedViewer({ container, moddleExtensions: { spiffworkflow: spiffDescriptor } });
}

window.SanjiBpmn = { createModeler, createViewer };
