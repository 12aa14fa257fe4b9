/**
 * The panel's model: the course facts, what is running, the last test report of each
 * module and the output of milestone runs. Every action of the panel and of the command
 * palette goes through one method here, which reports success and errors as JupyterLab
 * notifications.
 */
import { Dialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';
import { Course, ModuleFacts, scoreText, ValidationReport } from './state';

/** A milestone run the panel follows. */
export interface MilestoneRun {
  output: string;
  done: boolean;
  passed: boolean | null;
}

/** How often a running milestone's output is polled. */
const POLL_MS = 1000;

/** A date and time in the student's locale and time zone. */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Longer messages are cut short in a notification. */
const NOTIFICATION_LENGTH = 140;

/** An error notification that stays until closed, with the whole message a click away when
 * the notification cuts it short. */
function notifyError(message: string): void {
  const whole = { label: 'Read all', callback: () => void showErrorMessage('TinyTorch', message) };
  Notification.error(message, {
    autoClose: false,
    actions: message.length > NOTIFICATION_LENGTH ? [whole] : []
  });
}

export class CourseModel {
  constructor(private docManager: IDocumentManager) {}

  /** The last `GET course` answer, null before the first. */
  course: Course | null = null;
  /** Why the last `GET course` failed, else null. */
  loadError: string | null = null;
  /** Actions under way, as "<module id>:<action>" or "milestone:<name>". */
  readonly busy = new Set<string>();
  readonly reports = new Map<string, ValidationReport>();
  readonly runs = new Map<string, MilestoneRun>();

  /** Emitted whenever anything above changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Reload the course facts. */
  async refresh(): Promise<void> {
    try {
      this.course = await api.getCourse();
      this.loadError = null;
    } catch (error) {
      this.loadError = (error as Error).message;
    }
    this._changed.emit();
  }

  /** Close the test report of module `id`. */
  dismissReport(id: string): void {
    this.reports.delete(id);
    this._changed.emit();
  }

  /** The module `id`, fetched first if the workspace has no notebook yet, opened in the lab. */
  async open(id: string): Promise<void> {
    await this.act(id, 'open', async module => {
      const path = module.fetched ? module.notebook : (await api.fetchModule(id)).notebook;
      this.docManager.openOrReveal(path);
    });
  }

  /** Run the module's tests on its saved notebook and keep the report for the panel. */
  async test(id: string): Promise<void> {
    await this.act(id, 'test', async module => {
      await this.save(module);
      this.reports.set(id, await api.testModule(id));
    });
  }

  async export(id: string): Promise<void> {
    await this.act(id, 'export', async module => {
      await this.save(module);
      const exported = await api.exportModule(id);
      Notification.success(`${module.title} exported to your package: ${exported.path}`, {
        autoClose: 5000
      });
    });
  }

  /** Hand in the module's saved notebook, after the student confirms. */
  async submit(id: string): Promise<void> {
    await this.act(id, 'submit', async module => {
      const where = this.course?.exchange === 'hub' ? 'to the course' : 'to the local exchange';
      const answer = await showDialog({
        title: `Submit ${module.title}?`,
        body:
          `This hands in ${module.notebook} as it is saved now (open changes are saved ` +
          `first) ${where}. You can submit again; the newest submission is graded.`,
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Submit' })]
      });
      if (!answer.button.accept) {
        return;
      }
      await this.save(module);
      const receipt = await api.submitModule(id);
      Notification.success(`${module.title} submitted on ${formatTime(receipt.timestamp)}.`, {
        autoClose: false
      });
    });
  }

  /** Fetch the newest released feedback, open it and say its score. */
  async feedback(id: string): Promise<void> {
    await this.act(id, 'feedback', async module => {
      const feedback = await api.fetchFeedback(id);
      this.docManager.openOrReveal(feedback.path);
      const score = scoreText(feedback);
      Notification.success(`${module.title}: ${score ? `scored ${score}` : 'feedback opened'}.`, {
        autoClose: 8000
      });
    });
  }

  /** Start a milestone and follow its output until it ends. */
  async runMilestone(name: string): Promise<void> {
    const key = `milestone:${name}`;
    if (this.busy.has(key)) {
      return;
    }
    this.busy.add(key);
    const run: MilestoneRun = { output: '', done: false, passed: null };
    this.runs.set(name, run);
    this._changed.emit();
    try {
      await api.startMilestone(name);
      for (let offset = 0; !run.done; ) {
        await new Promise(resolve => setTimeout(resolve, POLL_MS));
        const slice = await api.milestoneOutput(name, offset);
        run.output += slice.output;
        run.done = slice.done;
        run.passed = slice.passed;
        offset = slice.offset;
        this._changed.emit();
      }
      if (run.passed) {
        Notification.success(`Milestone ${name} passed.`, { autoClose: 5000 });
      } else {
        Notification.warning(`Milestone ${name} did not pass: its output says why.`, {
          autoClose: false
        });
      }
    } catch (error) {
      notifyError((error as Error).message);
    } finally {
      this.busy.delete(key);
      await this.refresh();
    }
  }

  private module(id: string): ModuleFacts {
    const module = this.course?.modules.find(m => m.id === id);
    if (!module) {
      throw new Error(`No module ${id} in the course: reload the TinyTorch panel.`);
    }
    return module;
  }

  /** Save the module's notebook if it is open with unsaved changes: actions read the file. */
  private async save(module: ModuleFacts): Promise<void> {
    const widget = this.docManager.findWidget(module.notebook);
    const context = widget && this.docManager.contextForWidget(widget);
    if (context?.model.dirty) {
      await context.save();
    }
  }

  /** Run one action on a module: busy meanwhile, errors as notifications, facts reloaded. */
  private async act(
    id: string,
    action: string,
    run: (module: ModuleFacts) => Promise<void>
  ): Promise<void> {
    const key = `${id}:${action}`;
    if (this.busy.has(key)) {
      return;
    }
    this.busy.add(key);
    this._changed.emit();
    try {
      await run(this.module(id));
    } catch (error) {
      notifyError((error as Error).message);
    } finally {
      this.busy.delete(key);
      await this.refresh();
    }
  }

  private _changed = new Signal<this, void>(this);
}
