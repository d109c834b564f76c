// Check and deploy: post the drawing and its forms, then show each problem on its element (a marker
// and a badge) and in a list whose entries select the element.

import { csrfToken } from './entries';

export class Problems {
  constructor(modeler, translate, { list, status, conflict }) {
    this.modeler = modeler;
    this.translate = translate;
    this.list = list;
    this.status = status;
    this.conflict = conflict;
    this.marked = [];
  }

  say(text, kind = '') {
    this.status.textContent = text;
    this.status.className = kind;
  }

  clear() {
    const canvas = this.modeler.get('canvas');
    const overlays = this.modeler.get('overlays');
    this.marked.forEach((id) => {
      canvas.removeMarker(id, 'lf-has-problem');
      canvas.removeMarker(id, 'lf-changed-meanwhile');
    });
    overlays.remove({ type: 'lf-problem' });
    this.marked = [];
    this.list.hidden = true;
    this.list.querySelector('ul').replaceChildren();
    this.conflict.hidden = true;
    this.conflict.replaceChildren();
  }

  show(problems, file) {
    const t = this.translate;
    const registry = this.modeler.get('elementRegistry');
    const canvas = this.modeler.get('canvas');
    const overlays = this.modeler.get('overlays');
    const ul = this.list.querySelector('ul');
    problems.forEach((problem) => {
      const element = problem.element ? registry.get(problem.element) : null;
      const li = document.createElement('li');
      const where = [problem.file && problem.file !== file ? problem.file : '', problem.element]
        .filter(Boolean)
        .join(': ');
      const text = where ? `${where}: ${problem.reason}` : problem.reason;
      if (element) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'lf-problem-link';
        button.dataset.element = element.id;
        button.textContent = text;
        button.addEventListener('click', () => {
          this.modeler.get('selection').select(element);
          canvas.scrollToElement(element);
        });
        li.append(button);
        if (!this.marked.includes(element.id)) {
          this.marked.push(element.id);
          canvas.addMarker(element.id, 'lf-has-problem');
          const badge = document.createElement('span');
          badge.className = 'lf-problem-badge';
          badge.title = problem.reason;
          badge.textContent = '!';
          overlays.add(element.id, 'lf-problem', { position: { top: -10, right: 10 }, html: badge });
        }
      } else {
        li.textContent = text;
      }
      ul.append(li);
    });
    this.list.hidden = problems.length === 0;
    if (problems.length) {
      const text = problems.length === 1 ? 'One problem: nothing was stored.' : '{count} problems: nothing was stored.';
      this.say(t(text, { count: problems.length }), 'lf-bad');
    }
  }

  showConflict(conflict) {
    const t = this.translate;
    const registry = this.modeler.get('elementRegistry');
    const p = document.createElement('p');
    p.textContent = conflict.message;
    const h = document.createElement('h3');
    h.textContent = t('What changed in version {version}', { version: conflict.version });
    this.conflict.append(p, h);
    [
      ['added', t('Added')],
      ['removed', t('Removed')],
      ['changed', t('Changed')],
    ].forEach(([key, label]) => {
      const ids = conflict.changes[key] || [];
      if (!ids.length) {
        return;
      }
      const dl = document.createElement('p');
      const names = ids.map((id) => {
        const element = registry.get(id);
        const name = element && element.businessObject && element.businessObject.name;
        return name ? `${name} (${id})` : id;
      });
      dl.textContent = `${label}: ${names.join(', ')}`;
      // What the newer version changed or removed is marked on this drawing too.
      ids
        .filter((id) => registry.get(id))
        .forEach((id) => {
          this.modeler.get('canvas').addMarker(id, 'lf-changed-meanwhile');
          this.marked.push(id);
        });
      dl.className = `lf-change-${key}`;
      this.conflict.append(dl);
    });
    this.conflict.hidden = false;
    this.say(''); // the conflict section says it all
    this.conflict.scrollIntoView({ block: 'nearest' });
  }
}

export async function post(url, payload) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(payload),
    credentials: 'same-origin',
  });
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = null;
  }
  return { status: response.status, body };
}
