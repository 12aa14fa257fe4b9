/**
 * The TinyTorch lab extension: the course panel in the left sidebar (the landing of a
 * fresh lab), a command per action, and for staff the grading dashboard and formgrader
 * in the launcher and the command palette (each in a new browser tab: JupyterHub forbids
 * framing its services).
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ILauncher } from '@jupyterlab/launcher';
import { launchIcon } from '@jupyterlab/ui-components';

import { tinytorchIcon } from './icon';
import { CourseModel } from './model';
import { CoursePanel } from './panel';
import { Course } from './state';

const CATEGORY = 'TinyTorch';

/** The actions on a module, as commands taking `{module: id}`, by default the module of
 * the notebook in the main area. */
const MODULE_COMMANDS = {
  'tinytorch:open-notebook': { label: 'Open Module Notebook', run: 'open' },
  'tinytorch:run-tests': { label: 'Run Module Tests', run: 'test' },
  'tinytorch:export': { label: 'Export Module to My Package', run: 'export' },
  'tinytorch:submit': { label: 'Submit Module', run: 'submit' },
  'tinytorch:view-feedback': { label: 'View Module Feedback', run: 'feedback' }
} as const;

function addStaffLinks(
  app: JupyterFrontEnd,
  links: NonNullable<Course['staff_links']>,
  palette: ICommandPalette | null,
  launcher: ILauncher | null
): void {
  const entries = [
    { id: 'tinytorch:grading-dashboard', label: 'Grading dashboard', url: links.dashboard },
    { id: 'tinytorch:formgrader', label: 'Formgrader', url: links.formgrader }
  ];
  entries.forEach(({ id, label, url }, rank) => {
    app.commands.addCommand(id, {
      label,
      caption: `Open the ${label.toLowerCase()} in a new browser tab`,
      icon: args => (args.isPalette ? undefined : launchIcon),
      execute: () => void window.open(url, '_blank', 'noopener')
    });
    palette?.addItem({ command: id, category: CATEGORY });
    launcher?.add({ command: id, category: CATEGORY, rank });
  });
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: '@tinytorch/lab:panel',
  description: 'The TinyTorch course panel, its commands, and the staff links.',
  autoStart: true,
  requires: [ILabShell, IDocumentManager],
  optional: [ILayoutRestorer, ICommandPalette, ILauncher],
  activate: (
    app: JupyterFrontEnd,
    shell: ILabShell,
    docManager: IDocumentManager,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null
  ) => {
    const model = new CourseModel(docManager);
    const panel = new CoursePanel(model);
    shell.add(panel, 'left', { rank: 50, type: 'TinyTorch' });
    restorer?.add(panel, panel.id);

    app.commands.addCommand('tinytorch:show-panel', {
      label: 'TinyTorch Panel',
      icon: tinytorchIcon,
      execute: () => shell.activateById(panel.id)
    });
    palette?.addItem({ command: 'tinytorch:show-panel', category: CATEGORY });

    // The module of the notebook in the main area, for the palette's commands.
    const moduleOf = (args: { module?: unknown }): string | undefined => {
      if (typeof args.module === 'string') {
        return args.module;
      }
      const current = shell.currentWidget;
      const path = current && docManager.contextForWidget(current)?.path;
      return model.course?.modules.find(m => m.notebook === path)?.id;
    };
    for (const [id, { label, run }] of Object.entries(MODULE_COMMANDS)) {
      app.commands.addCommand(id, {
        label,
        isEnabled: args => moduleOf(args) !== undefined,
        execute: args => model[run](moduleOf(args)!)
      });
      palette?.addItem({ command: id, category: CATEGORY });
    }
    app.commands.addCommand('tinytorch:run-milestone', {
      label: args => `Run Milestone ${args.milestone ?? ''}`,
      execute: args => model.runMilestone(String(args.milestone))
    });

    // A fresh lab (first start, or no saved layout) lands on the panel; it runs after
    // the file browser's own "show on a fresh layout".
    void shell.restored.then(layout => {
      if (layout.fresh) {
        requestAnimationFrame(() => shell.activateById(panel.id));
      }
    });
    void model.refresh().then(() => {
      const links = model.course?.role !== 'student' && model.course?.staff_links;
      if (links) {
        addStaffLinks(app, links, palette, launcher);
      }
    });
  }
};

export default plugin;
