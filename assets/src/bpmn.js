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

// SpiffWorkflow reads <bpmn:loopDataInputRef>voters</bpmn:loopDataInputRef> as the name of a
// process variable; bpmn-moddle treats it as a reference to an element id and drops it when no
// element has that id. Read and write these two as plain text instead.
function loopRefsAsText(instance) {
  const moddle = instance.get('moddle');
  const descriptor = moddle.getElementDescriptor(moddle.getType('bpmn:MultiInstanceLoopCharacteristics'));
  for (const name of ['loopDataInputRef', 'loopDataOutputRef']) {
    const property = descriptor.propertiesByName[name];
    property.isReference = false;
    property.type = 'String';
  }
  return instance;
}

function createModeler(container, propertiesParent) {
  return loopRefsAsText(new Modeler({
    container,
    propertiesPanel: { parent: propertiesParent },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, SpiffPropertiesModule],
    moddleExtensions: { spiffworkflow: spiffDescriptor },
  }));
}

function createViewer(container) {
  return loopRefsAsText(new NavigatedViewer({ container, moddleExtensions: { spiffworkflow: spiffDescriptor } }));
}

window.SanjiBpmn = { createModeler, createViewer };
