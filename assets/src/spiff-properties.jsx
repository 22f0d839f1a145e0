// Properties-panel groups for this project's `spiffworkflow:` extension properties: the ones the
// server's loader and human-task code read (webapp/engine/loader.py, webapp/engine/human_tasks.py).
import { TextFieldEntry, TextAreaEntry, isTextFieldEntryEdited, isTextAreaEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

// [property name, label, multiline]
const USER_TASK_PROPERTIES = [
  ['nameEn', 'English name (nameEn)', false],
  ['formJsonSchemaFilename', 'Form (formJsonSchemaFilename)', false],
  ['formUiSchemaFilename', 'Form layout (formUiSchemaFilename)', false],
  ['dueIn', 'Due in (dueIn, expression, e.g. "P5D")', false],
  ['assignee', 'Assignee (expression giving a user id)', false],
  ['scopeOrg', 'Scope organisation (scopeOrg, expression giving the id of the organisation whose role holders get the step)', false],
  ['panel', 'Panel (registered page section)', false],
  ['secretHandler', 'Secret handler', false],
  ['instructionsEn', 'Instructions, English (instructionsEn)', true],
];

function extensionValues(bo, type) {
  const ext = bo.get('extensionElements');
  return ext ? ext.get('values').filter((value) => is(value, type)) : [];
}

function propertyOf(bo, name) {
  const container = extensionValues(bo, 'spiffworkflow:Properties')[0];
  return container ? container.get('properties').find((p) => p.get('name') === name) : undefined;
}

// Make sure the element has bpmn:extensionElements (created through modeling, so undo works).
function ensureExtensionElements(element, bo, modeling, bpmnFactory) {
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeling.updateProperties(element, { extensionElements: ext });
  }
  return ext;
}

function setProperty(element, name, value, modeling, bpmnFactory) {
  const bo = getBusinessObject(element);
  const existing = propertyOf(bo, name);
  if (existing) {
    if (value) {
      modeling.updateModdleProperties(element, existing, { value });
    } else {
      const container = existing.$parent;
      modeling.updateModdleProperties(element, container, {
        properties: container.get('properties').filter((p) => p !== existing),
      });
    }
    return;
  }
  if (!value) return;
  const ext = ensureExtensionElements(element, bo, modeling, bpmnFactory);
  let container = extensionValues(bo, 'spiffworkflow:Properties')[0];
  if (!container) {
    container = bpmnFactory.create('spiffworkflow:Properties', { properties: [] });
    container.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), container] });
  }
  const property = bpmnFactory.create('spiffworkflow:Property', { name, value });
  property.$parent = container;
  modeling.updateModdleProperties(element, container, { properties: [...container.get('properties'), property] });
}

function setBodyElement(element, type, value, modeling, bpmnFactory) {
  const bo = getBusinessObject(element);
  const existing = extensionValues(bo, type)[0];
  if (existing) {
    if (value) {
      modeling.updateModdleProperties(element, existing, { value });
    } else {
      const ext = bo.get('extensionElements');
      modeling.updateModdleProperties(element, ext, { values: ext.get('values').filter((v) => v !== existing) });
    }
    return;
  }
  if (!value) return;
  const ext = ensureExtensionElements(element, bo, modeling, bpmnFactory);
  const created = bpmnFactory.create(type, { value });
  created.$parent = ext;
  modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), created] });
}

function PropertyEntry({ element, id, name, label, multiline }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const getValue = () => (propertyOf(getBusinessObject(element), name) || { get: () => '' }).get('value') || '';
  const setValue = (value) => setProperty(element, name, value, modeling, bpmnFactory);
  const Entry = multiline ? TextAreaEntry : TextFieldEntry;
  return <Entry element={element} id={id} label={label} getValue={getValue} setValue={setValue} debounce={debounce} rows={4} />;
}

function BodyEntry({ element, id, type, label, multiline }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const getValue = () => {
    const found = extensionValues(getBusinessObject(element), type)[0];
    return (found && found.get('value')) || '';
  };
  const setValue = (value) => setBodyElement(element, type, value, modeling, bpmnFactory);
  const Entry = multiline ? TextAreaEntry : TextFieldEntry;
  return <Entry element={element} id={id} label={label} getValue={getValue} setValue={setValue} debounce={debounce} rows={4} />;
}

function userTaskEntries(element) {
  const entries = USER_TASK_PROPERTIES.map(([name, label, multiline]) => ({
    id: `spiff-${name}`,
    element, name, label, multiline,
    component: PropertyEntry,
    isEdited: multiline ? isTextAreaEntryEdited : isTextFieldEntryEdited,
  }));
  entries.push({
    id: 'spiff-instructionsForEndUser', element, type: 'spiffworkflow:InstructionsForEndUser',
    label: 'Instructions, Chinese (instructionsForEndUser)', multiline: true,
    component: BodyEntry, isEdited: isTextAreaEntryEdited,
  });
  return entries;
}

export default function SpiffPropertiesProvider(propertiesPanel) {
  this.getGroups = function (element) {
    return function (groups) {
      if (is(element, 'bpmn:UserTask')) {
        groups.push({ id: 'spiffworkflow-user-task', label: 'Step (spiffworkflow)', entries: userTaskEntries(element) });
      }
      if (is(element, 'bpmn:BusinessRuleTask')) {
        groups.push({
          id: 'spiffworkflow-decision', label: 'Decision table (spiffworkflow)',
          entries: [{
            id: 'spiff-calledDecisionId', element, type: 'spiffworkflow:CalledDecisionId',
            label: 'Decision id (calledDecisionId)', multiline: false,
            component: BodyEntry, isEdited: isTextFieldEntryEdited,
          }],
        });
      }
      return groups;
    };
  };
  propertiesPanel.registerProvider(500, this);
}
SpiffPropertiesProvider.$inject = ['propertiesPanel'];
