// LotFlow's groups in the properties panel: everything docs/bpmn-vocabulary.md says LotFlow reads.

import { Group, ListGroup } from '@bpmn-io/properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { bodyText, custom, preview, propertySelect, propertyText } from './entries';
import { getBody, getOperator, getProperty, setBody, setOperator, setProperty } from './extensions';
import {
  FIELD_TYPES,
  addField,
  boundKeys,
  choicesText,
  fieldType,
  removeField,
  renameField,
  setChoices,
  setFieldType,
  setTranslatedLabel,
  translatedLabel,
} from './forms';

const EVENT_WITH_MESSAGE = ['bpmn:StartEvent', 'bpmn:IntermediateCatchEvent', 'bpmn:BoundaryEvent', 'bpmn:ReceiveTask'];
const THROWS_MESSAGE = ['bpmn:IntermediateThrowEvent', 'bpmn:EndEvent', 'bpmn:SendTask'];

// The language suffix of a translated property: Django's zh-hans is written zh-Hans.
export function languageSuffix(code) {
  return code
    .split('-')
    .map((part, i) => (i === 0 ? part : part.length === 4 ? part[0].toUpperCase() + part.slice(1) : part.toUpperCase()))
    .join('-');
}

function group(id, label, entries) {
  return entries.length ? { id, label, component: Group, entries } : null;
}

export default class LotflowPropertiesProvider {
  constructor(propertiesPanel, injector, translate, lotflow) {
    this.injector = injector;
    this.translate = translate;
    this.lotflow = lotflow;
    propertiesPanel.registerProvider(400, this);
  }

  getGroups(element) {
    return (groups) => {
      const mine = [
        this.laneGroup(element),
        ...this.userTaskGroups(element),
        this.conditionGroup(element),
        this.serviceGroup(element),
        this.messageGroup(element),
        this.callGroup(element),
        this.decisionGroup(element),
        this.scriptGroup(element),
        this.translationGroup(element),
      ].filter(Boolean);
      // LotFlow's settings right after the element's name and id.
      const at = groups.findIndex((g) => g.id === 'general') + 1;
      groups.splice(at, 0, ...mine);
      return groups;
    };
  }

  roleOptions(empty) {
    return [{ value: '', label: empty }, ...this.lotflow.roles];
  }

  laneGroup(element) {
    if (!is(element, 'bpmn:Lane')) {
      return null;
    }
    const t = this.translate;
    const name = (getBusinessObject(element).name || '').trim();
    const byName = this.lotflow.roles.find((r) => r.value === name);
    const description = byName ? t('Without a role here, the lane name {name} is the role.', { name }) : '';
    return group('lotflow-lane', t('Lane role'), [
      propertySelect('lf-lane-role', 'role', t('Role'), this.roleOptions(''), description),
    ]);
  }

  userTaskGroups(element) {
    if (!is(element, 'bpmn:UserTask')) {
      return [];
    }
    const t = this.translate;
    const who = group('lotflow-who', t('Who does this step'), [
      propertySelect('lf-role', 'role', t('Role'), this.roleOptions(''), t("Empty: the lane's role.")),
      propertyText('lf-assignee', 'assignee', t('Assignee (expression)')),
      propertyText('lf-continues', 'continues', t('Continues (user task id)')),
      propertyText('lf-store', 'store', t('Store (expression)')),
      propertyText('lf-exclude', 'exclude', t('Exclude (expression)')),
    ]);
    const subject = group('lotflow-subject', t('Subject and priority'), [
      propertyText('lf-subject', 'subject', t('Subject (expression)')),
      propertyText('lf-subject-ref', 'subjectRef', t('Subject reference (expression)')),
      propertyText('lf-due', 'due', t('Due (ISO duration or expression)')),
      propertySelect('lf-priority', 'priority', t('Priority (1-5)'), [
        { value: '', label: '' },
        ...[1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: String(n) })),
      ]),
    ]);
    const instructions = group('lotflow-instructions', t('Instructions'), [
      bodyText('lf-instructions', 'spiffworkflow:InstructionsForEndUser', t('Instructions (Markdown)'), { rows: 5 }),
      preview('lf-instructions-preview', t('Preview'), this.lotflow.urls.preview),
    ]);
    return [who, this.formGroup(element), this.fieldsGroup(element), instructions, subject];
  }

  formName(element) {
    return getProperty(element, 'form');
  }

  formGroup(element) {
    const t = this.translate;
    const forms = this.lotflow.forms;
    return group('lotflow-form', t('Form'), [
      propertyText('lf-form', 'form', t('Form file')),
      custom('lf-form-title', t('Form title'), {
        get: () => (forms.get(this.formName(element)) || {}).title || '',
        set: (value) => {
          const name = this.ensureForm(element);
          forms.get(name).title = value || '';
          forms.changed(element);
        },
      }),
    ]);
  }

  // The task's form file, made (and named after the process and the task) when it has none yet.
  ensureForm(element) {
    let name = this.formName(element);
    if (!name) {
      const bo = getBusinessObject(element);
      name = `${this.lotflow.processId}_${bo.id}.json`.toLowerCase();
      setProperty(element, 'form', name, this.injector);
    }
    this.lotflow.forms.ensure(name, getBusinessObject(element).name || '');
    return name;
  }

  fieldsGroup(element) {
    const t = this.translate;
    const forms = this.lotflow.forms;
    const schema = forms.get(this.formName(element));
    const fields = schema ? Object.keys(schema.properties || {}) : [];
    const items = fields.map((name, index) => this.fieldItem(element, schema, name, index));
    return {
      id: 'lotflow-fields',
      label: t('Form fields'),
      component: ListGroup,
      element,
      items,
      add: (event) => {
        event.stopPropagation();
        const formName = this.ensureForm(element);
        addField(forms.get(formName));
        forms.changed(element);
      },
    };
  }

  fieldItem(element, schema, name, index) {
    const t = this.translate;
    const forms = this.lotflow.forms;
    const field = schema.properties[name];
    const prefix = `lf-field-${index}`;
    const changed = () => forms.changed(element);
    const [low, high] = boundKeys(field);
    const bound = (key) => ({
      get: () => (field[key] === undefined ? '' : String(field[key])),
      set: (value) => {
        const number = Number(value);
        if (value === '' || value == null || Number.isNaN(number)) {
          delete field[key];
        } else {
          field[key] = number;
        }
        changed();
      },
    });
    const typeLabels = {
      text: t('Text'),
      textarea: t('Long text'),
      integer: t('Whole number'),
      number: t('Number'),
      boolean: t('Yes/no'),
      date: t('Date'),
      'date-time': t('Date and time'),
      email: t('E-mail'),
    };
    return {
      id: prefix,
      label: field.title || name,
      autoFocusEntry: `${prefix}-label`,
      remove: () => {
        removeField(schema, name);
        changed();
      },
      entries: [
        custom(`${prefix}-name`, t('Field name'), {
          get: () => name,
          set: (value) => {
            if (renameField(schema, name, (value || '').trim())) {
              changed();
            }
          },
        }),
        custom(`${prefix}-label`, t('Label'), {
          get: () => field.title || '',
          set: (value) => {
            field.title = value || '';
            changed();
          },
        }),
        ...this.lotflow.languages.map((code) => {
          const suffix = languageSuffix(code);
          const language = this.lotflow.languageNames[code] || code;
          return custom(`${prefix}-label-${suffix}`, t('Label in {language}', { language }), {
            get: () => translatedLabel(schema, suffix, name),
            set: (value) => {
              setTranslatedLabel(schema, suffix, name, (value || '').trim());
              changed();
            },
          });
        }),
        custom(`${prefix}-type`, t('Type'), {
          kind: 'select',
          options: () => FIELD_TYPES.map((value) => ({ value, label: typeLabels[value] })),
          get: () => fieldType(field),
          set: (value) => {
            setFieldType(field, value);
            changed();
          },
        }),
        custom(`${prefix}-required`, t('Required'), {
          kind: 'checkbox',
          get: () => (schema.required || []).includes(name),
          set: (value) => {
            const rest = (schema.required || []).filter((r) => r !== name);
            schema.required = value ? [...rest, name] : rest;
            changed();
          },
        }),
        custom(`${prefix}-choices`, t('Choices (comma-separated)'), {
          get: () => choicesText(field),
          set: (value) => {
            setChoices(field, value || '');
            changed();
          },
        }),
        custom(`${prefix}-min`, t('Minimum'), bound(low)),
        custom(`${prefix}-max`, t('Maximum'), bound(high)),
      ],
    };
  }

  conditionGroup(element) {
    const t = this.translate;
    const modeling = this.injector.get('modeling');
    const bpmnFactory = this.injector.get('bpmnFactory');
    const conditionOf = (flow) => {
      const bo = getBusinessObject(flow);
      return {
        get: () => (bo.conditionExpression ? bo.conditionExpression.body || '' : ''),
        set: (value) => {
          const body = (value || '').trim();
          modeling.updateProperties(flow, {
            conditionExpression: body ? bpmnFactory.create('bpmn:FormalExpression', { body }) : undefined,
          });
        },
      };
    };
    if (is(element, 'bpmn:SequenceFlow')) {
      const source = element.source && getBusinessObject(element.source);
      if (!source || !(is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway'))) {
        return null;
      }
      return group('lotflow-condition', t('Condition'), [
        custom('lf-condition', t('Condition (expression)'), { kind: 'area', ...conditionOf(element) }),
      ]);
    }
    if (is(element, 'bpmn:ExclusiveGateway') || is(element, 'bpmn:InclusiveGateway')) {
      const flows = (element.outgoing || []).filter((c) => is(c, 'bpmn:SequenceFlow'));
      return group(
        'lotflow-conditions',
        t('Condition'),
        flows.map((flow) => {
          const bo = getBusinessObject(flow);
          const target = flow.target ? getBusinessObject(flow.target) : null;
          const label = `${bo.name || bo.id} → ${(target && (target.name || target.id)) || ''}`;
          return custom(`lf-condition-${bo.id}`, label, { kind: 'area', ...conditionOf(flow) });
        }),
      );
    }
    return null;
  }

  serviceGroup(element) {
    if (!is(element, 'bpmn:ServiceTask')) {
      return null;
    }
    const t = this.translate;
    const injector = this.injector;
    const services = this.lotflow.services;
    const current = () => getOperator(element) || { id: '', resultVariable: '', parameters: {} };
    const entries = [
      custom('lf-service', t('Function'), {
        kind: 'select',
        options: () => {
          const options = [{ value: '', label: '' }, ...services.map((s) => ({ value: s.name, label: s.name }))];
          const id = current().id;
          return !id || services.some((s) => s.name === id) ? options : [...options, { value: id, label: id }];
        },
        description: (services.find((s) => s.name === current().id) || {}).description,
        get: () => current().id,
        set: (value) => {
          const op = current();
          const service = services.find((s) => s.name === value);
          const parameters = {};
          (service ? service.parameters : []).forEach((p) => {
            parameters[p.name] = op.parameters[p.name] || { value: '', type: p.type };
          });
          setOperator(element, value ? { id: value, resultVariable: op.resultVariable, parameters } : null, injector);
        },
      }),
      custom('lf-result', t('Result variable'), {
        get: () => current().resultVariable,
        set: (value) => {
          const op = current();
          if (op.id) {
            setOperator(element, { ...op, resultVariable: (value || '').trim() }, injector);
          }
        },
      }),
    ];
    const service = services.find((s) => s.name === current().id);
    const names = new Set([...(service ? service.parameters.map((p) => p.name) : []), ...Object.keys(current().parameters)]);
    names.forEach((name) => {
      const info = service && service.parameters.find((p) => p.name === name);
      entries.push(
        custom(`lf-param-${name}`, t('Parameter {name}', { name }), {
          description: info ? [info.type, info.required ? '' : `= ${info.default}`].filter(Boolean).join(' ') : '',
          get: () => (current().parameters[name] || {}).value || '',
          set: (value) => {
            const op = current();
            const param = op.parameters[name] || { type: info ? info.type : '' };
            op.parameters[name] = { ...param, value: (value || '').trim() };
            setOperator(element, op, injector);
          },
        }),
      );
    });
    return group('lotflow-service', t('Service function'), entries);
  }

  messageGroup(element) {
    const bo = getBusinessObject(element);
    const hasMessage =
      is(element, 'bpmn:ReceiveTask') ||
      is(element, 'bpmn:SendTask') ||
      (bo.eventDefinitions || []).some((d) => is(d, 'bpmn:MessageEventDefinition'));
    if (!hasMessage) {
      return null;
    }
    const t = this.translate;
    const description = t("A message reaches the instance waiting for it by its name and the instance's business key.");
    const entries = [];
    if (EVENT_WITH_MESSAGE.some((type) => is(element, type))) {
      entries.push(bodyText('lf-message-variable', 'spiffworkflow:MessageVariable', t('Message variable'), { single: true, description }));
    }
    if (THROWS_MESSAGE.some((type) => is(element, type))) {
      entries.push(bodyText('lf-message-payload', 'spiffworkflow:MessagePayload', t('Message payload (expression)'), { rows: 3, description }));
    }
    return group('lotflow-message', t('Message'), entries);
  }

  callGroup(element) {
    if (!is(element, 'bpmn:CallActivity')) {
      return null;
    }
    const t = this.translate;
    const modeling = this.injector.get('modeling');
    const bo = getBusinessObject(element);
    return group('lotflow-call', t('Called process'), [
      custom('lf-called', t('Process'), {
        kind: 'select',
        options: () => {
          const known = this.lotflow.processes;
          const id = bo.calledElement;
          const options = [{ value: '', label: '' }, ...known];
          return !id || known.some((p) => p.value === id) ? options : [...options, { value: id, label: id }];
        },
        get: () => bo.calledElement || '',
        set: (value) => modeling.updateProperties(element, { calledElement: value || undefined }),
      }),
    ]);
  }

  decisionGroup(element) {
    if (!is(element, 'bpmn:BusinessRuleTask')) {
      return null;
    }
    const t = this.translate;
    const decisions = this.lotflow.decisions;
    return group('lotflow-decision', t('DMN decision'), [
      custom('lf-decision', t('Decision'), {
        kind: 'select',
        options: () => {
          const id = getBody(element, 'spiffworkflow:CalledDecisionId');
          const options = [{ value: '', label: '' }, ...decisions];
          return !id || decisions.some((d) => d.value === id) ? options : [...options, { value: id, label: id }];
        },
        get: () => getBody(element, 'spiffworkflow:CalledDecisionId'),
        set: (value) => setBody(element, 'spiffworkflow:CalledDecisionId', value, this.injector),
      }),
    ]);
  }

  scriptGroup(element) {
    if (!is(element, 'bpmn:ScriptTask')) {
      return null;
    }
    const t = this.translate;
    const modeling = this.injector.get('modeling');
    const bo = getBusinessObject(element);
    return group('lotflow-script', t('Script'), [
      custom('lf-script', t('Script'), {
        kind: 'area',
        get: () => bo.script || '',
        set: (value) => modeling.updateProperties(element, { scriptFormat: 'python', script: value || undefined }),
      }),
    ]);
  }

  translationGroup(element) {
    const bo = getBusinessObject(element);
    const t = this.translate;
    const entries = [];
    if (is(element, 'bpmn:Participant') && bo.processRef) {
      // The process's own name, shown in the inbox's process column, lives on the process element.
      const processOf = (el) => getBusinessObject(el).processRef;
      this.lotflow.languages.forEach((code) => {
        const suffix = languageSuffix(code);
        const language = this.lotflow.languageNames[code] || code;
        const label = t('Process name in {language}', { language });
        entries.push(propertyText(`lf-process-name-${suffix}`, `name.${suffix}`, label, '', false, processOf));
      });
      return group('lotflow-translations', t('Translations'), entries);
    }
    if (is(element, 'bpmn:Collaboration')) {
      return null;
    }
    this.lotflow.languages.forEach((code) => {
      const suffix = languageSuffix(code);
      const language = this.lotflow.languageNames[code] || code;
      entries.push(propertyText(`lf-name-${suffix}`, `name.${suffix}`, t('Name in {language}', { language })));
      if (is(element, 'bpmn:UserTask')) {
        entries.push(
          propertyText(`lf-instructions-${suffix}`, `instructions.${suffix}`, t('Instructions in {language}', { language }), '', true),
        );
      }
    });
    return bo ? group('lotflow-translations', t('Translations'), entries) : null;
  }
}

LotflowPropertiesProvider.$inject = ['propertiesPanel', 'injector', 'translate', 'lotflow'];
