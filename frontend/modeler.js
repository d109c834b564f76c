// The studio's modeler page: bpmn-js with its properties panel and LotFlow's own groups; Check and
// Deploy post the drawing to the server, which runs the deploy's validator. At phone width the page
// shows the diagram read only.

import './modeler/modeler.css';

import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import Modeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import { FormStore } from './modeler/forms';
import { Problems, post } from './modeler/problems';
import LotflowPropertiesProvider from './modeler/provider';
import spiffworkflowModdle from './modeler/spiffworkflow.json';
import translateModule from './modeler/translate';

const DESK = '(min-width: 900px)';
// The groups an admin edits most start open; the rest stay folded until clicked.
const OPEN_GROUPS = Object.fromEntries(
  [
    'general',
    'lotflow-lane',
    'lotflow-who',
    'lotflow-form',
    'lotflow-fields',
    'lotflow-condition',
    'lotflow-conditions',
    'lotflow-service',
    'lotflow-message',
    'lotflow-call',
    'lotflow-decision',
    'timer',
  ].map((id) => [id, { open: true }]),
);

function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

async function start() {
  const data = readJson('modeler-data');
  const texts = readJson('modeler-texts');
  const translations = translateModule(texts);
  const translate = translations.translate[1];
  const moddleExtensions = { spiffworkflow: spiffworkflowModdle, camunda: camundaModdle };
  const container = document.getElementById('lf-canvas');

  if (!window.matchMedia(DESK).matches) {
    const viewer = new NavigatedViewer({ container, moddleExtensions, additionalModules: [translations] });
    await viewer.importXML(data.xml);
    viewer.get('canvas').zoom('fit-viewport');
    window.lotflowModeler = viewer;
    return;
  }

  const lotflow = { ...data };
  const modeler = new Modeler({
    container,
    propertiesPanel: { parent: '#lf-panel', layout: { groups: OPEN_GROUPS } },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      translations,
      { __init__: ['lotflowPropertiesProvider'], lotflowPropertiesProvider: ['type', LotflowPropertiesProvider] },
      { lotflow: ['value', lotflow] },
    ],
    moddleExtensions,
  });
  lotflow.forms = new FormStore(data.forms, modeler.get('eventBus'));
  window.lotflowModeler = modeler;

  const problems = new Problems(modeler, translate, {
    list: document.getElementById('lf-problems'),
    status: document.getElementById('lf-status'),
    conflict: document.getElementById('lf-conflict'),
  });
  try {
    await modeler.importXML(data.xml);
    modeler.get('canvas').zoom('fit-viewport');
  } catch (err) {
    problems.say(translate('This drawing could not be read: {error}', { error: err.message }), 'lf-bad');
    return;
  }

  let dirty = false;
  modeler.on('commandStack.changed', () => {
    dirty = true;
  });
  modeler.on('lotflow.forms.changed', () => {
    dirty = true;
  });
  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      event.preventDefault();
    }
  });

  const checkButton = document.getElementById('lf-check');
  const deployButton = document.getElementById('lf-deploy');
  const comment = document.getElementById('lf-comment');
  let busy = false;

  async function send(kind) {
    if (busy) {
      return; // one request at a time: a double click deploys once
    }
    busy = true;
    checkButton.disabled = true;
    deployButton.disabled = true;
    deployButton.setAttribute('aria-busy', kind === 'deploy' ? 'true' : 'false');
    problems.clear();
    problems.say(translate(kind === 'deploy' ? 'Deploying…' : 'Checking…'));
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const payload = { xml, forms: lotflow.forms.all(), comment: comment.value };
      const { body } = await post(data.urls[kind], payload);
      if (!body) {
        problems.say(translate('The server could not be reached; your drawing is still here. Try again.'), 'lf-bad');
      } else if (body.conflict) {
        problems.showConflict(body.conflict);
      } else if (!body.ok) {
        problems.show(body.problems || [], data.file);
      } else if (kind === 'deploy') {
        dirty = false;
        data.version = body.version;
        data.urls.check = body.urls.check;
        data.urls.deploy = body.urls.deploy;
        window.history.replaceState(null, '', body.modeler);
        comment.value = '';
        problems.say(body.message, 'lf-good');
      } else {
        problems.say(translate('No problems: this drawing can be deployed.'), 'lf-good');
      }
    } catch (err) {
      problems.say(translate('The server could not be reached; your drawing is still here. Try again.'), 'lf-bad');
    } finally {
      busy = false;
      checkButton.disabled = false;
      deployButton.disabled = false;
      deployButton.removeAttribute('aria-busy');
    }
  }

  // A file drawn elsewhere (Camunda Modeler, bpmn.io) replaces the drawing on the page; nothing is
  // stored until it is checked and deployed as the next version of this process.
  document.getElementById('lf-open').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) {
      return;
    }
    problems.clear();
    try {
      await modeler.importXML(await file.text());
      modeler.get('canvas').zoom('fit-viewport');
      dirty = true;
      problems.say(translate('Opened {file}: check it, then deploy it as the next version.', { file: file.name }));
    } catch (err) {
      problems.say(translate('This drawing could not be read: {error}', { error: err.message }), 'lf-bad');
    }
  });

  checkButton.addEventListener('click', () => send('check'));
  deployButton.addEventListener('click', () => send('deploy'));
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}
