/**
 * The TinyTorch panel of the left sidebar: every module in course order with its state,
 * due date and the actions that make sense now; the milestones with a run button and
 * their output. It renders the model; every button calls one of its methods.
 */
import {
  Button,
  caretDownIcon,
  caretRightIcon,
  checkIcon,
  closeIcon,
  classes,
  ReactWidget,
  refreshIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import React from 'react';

import { tinytorchIcon } from './icon';
import { CourseModel, formatTime, MilestoneRun } from './model';
import {
  Course,
  milestoneState,
  MilestoneFacts,
  ModuleFacts,
  moduleState,
  pieces,
  ValidationReport
} from './state';

export class CoursePanel extends ReactWidget {
  constructor(private model: CourseModel) {
    super();
    this.id = 'tinytorch-panel';
    this.title.icon = tinytorchIcon;
    this.title.caption = 'TinyTorch: your modules, tests and submissions';
    this.addClass('jp-TinyTorch');
  }

  protected onAfterShow(): void {
    void this.model.refresh();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <CourseView model={this.model} />}
      </UseSignal>
    );
  }
}

function Spinner(): JSX.Element {
  return <span className="jp-TinyTorch-spinner" aria-label="running" />;
}

/** A small button that shows a spinner while `busy` and is disabled unless `enabled`
 * (its tooltip then says why). */
function Action(props: {
  label: string;
  title: string;
  disabledTitle: string;
  enabled: boolean;
  busy: boolean;
  onClick: () => void;
}): JSX.Element {
  return (
    <Button
      small
      className="jp-TinyTorch-action"
      title={props.enabled ? props.title : `${props.label}: ${props.disabledTitle}`}
      disabled={!props.enabled || props.busy}
      onClick={props.onClick}
    >
      {props.busy && <Spinner />}
      {props.label}
    </Button>
  );
}

function CourseView({ model }: { model: CourseModel }): JSX.Element {
  const course = model.course;
  return (
    <div className="jp-TinyTorch-body">
      <header className="jp-TinyTorch-header">
        <tinytorchIcon.react tag="span" className="jp-TinyTorch-logo" />
        <h2>{course?.title ?? 'TinyTorch'}</h2>
        <span className="jp-TinyTorch-student">{course?.student}</span>
        <Button minimal small title="Reload the course" onClick={() => void model.refresh()}>
          <refreshIcon.react tag="span" />
        </Button>
      </header>
      {model.loadError && <p className="jp-TinyTorch-error">{model.loadError}</p>}
      {!course && !model.loadError && (
        <p className="jp-TinyTorch-note">
          <Spinner /> Loading the course…
        </p>
      )}
      {course?.staff_links && <StaffLinks links={course.staff_links} />}
      {course && (
        <>
          <h3 className="jp-TinyTorch-section">Modules</h3>
          <ol className="jp-TinyTorch-list">
            {course.modules.map(module => (
              <ModuleView key={module.id} model={model} course={course} module={module} />
            ))}
          </ol>
          {course.milestones.length > 0 && (
            <>
              <h3 className="jp-TinyTorch-section">Milestones</h3>
              <ol className="jp-TinyTorch-list">
                {course.milestones.map(milestone => (
                  <MilestoneView
                    key={milestone.name}
                    model={model}
                    course={course}
                    milestone={milestone}
                  />
                ))}
              </ol>
            </>
          )}
        </>
      )}
    </div>
  );
}

function StaffLinks({ links }: { links: NonNullable<Course['staff_links']> }): JSX.Element {
  return (
    <section className="jp-TinyTorch-staff">
      <a href={links.dashboard} target="_blank" rel="noopener noreferrer">
        Grading dashboard
      </a>
      <a href={links.formgrader} target="_blank" rel="noopener noreferrer">
        Formgrader
      </a>
    </section>
  );
}

function ModuleView(props: {
  model: CourseModel;
  course: Course;
  module: ModuleFacts;
}): JSX.Element {
  const { model, course, module } = props;
  const state = moduleState(course, module);
  const busy = (action: string) => model.busy.has(`${module.id}:${action}`);
  const report = model.reports.get(module.id);
  const due = state.due;
  return (
    <li className="jp-TinyTorch-item" data-module={module.id}>
      <div className="jp-TinyTorch-row">
        <span className="jp-TinyTorch-number">{module.number}</span>
        <span className="jp-TinyTorch-name">{module.title}</span>
        <span className={`jp-TinyTorch-badge jp-mod-${state.stage}`}>{state.label}</span>
      </div>
      {(state.detail || state.at) && (
        <div className="jp-TinyTorch-detail">
          {state.at && formatTime(state.at)}
          {state.at && state.detail && ' · '}
          {state.detail}
        </div>
      )}
      {due && (
        <div
          className={classes(
            'jp-TinyTorch-due',
            due.late && 'jp-mod-late',
            due.soon && 'jp-mod-soon'
          )}
          title={module.late_policy ? `Late policy: ${module.late_policy}` : undefined}
        >
          Due {formatTime(due.at)} · {due.text}
          {due.late && module.late_policy && ` (${module.late_policy})`}
        </div>
      )}
      <div className="jp-TinyTorch-actions">
        <Action
          label="Open"
          title={module.fetched ? `Open ${module.notebook}` : `Fetch ${module.title} and open it`}
          disabledTitle="not released yet"
          enabled={state.can.open}
          busy={busy('open')}
          onClick={() => void model.open(module.id)}
        />
        <Action
          label="Test"
          title="Run the module's tests on your saved notebook"
          disabledTitle={state.stage === 'locked' ? state.detail : 'open it first'}
          enabled={state.can.test}
          busy={busy('test')}
          onClick={() => void model.test(module.id)}
        />
        <Action
          label="Export"
          title="Export your solutions into your tinytorch package"
          disabledTitle={state.stage === 'locked' ? state.detail : 'open it first'}
          enabled={state.can.export}
          busy={busy('export')}
          onClick={() => void model.export(module.id)}
        />
        <Action
          label="Submit"
          title="Hand in your notebook for grading"
          disabledTitle="nothing to hand in yet: work on the notebook first"
          enabled={state.can.submit}
          busy={busy('submit')}
          onClick={() => void model.submit(module.id)}
        />
        <Action
          label="Feedback"
          title="Fetch and open your graded feedback"
          disabledTitle="no feedback released yet"
          enabled={state.can.feedback}
          busy={busy('feedback')}
          onClick={() => void model.feedback(module.id)}
        />
      </div>
      {report && <ReportView report={report} onClose={() => model.dismissReport(module.id)} />}
    </li>
  );
}

function ReportView(props: { report: ValidationReport; onClose: () => void }): JSX.Element {
  const { report } = props;
  const [open, setOpen] = React.useState(true);
  const Caret = open ? caretDownIcon : caretRightIcon;
  return (
    <div className="jp-TinyTorch-report">
      <div className="jp-TinyTorch-row">
        <Button
          minimal
          small
          title={open ? 'Hide the tests' : 'Show the tests'}
          onClick={() => setOpen(!open)}
        >
          <Caret.react tag="span" />
        </Button>
        <strong className="jp-TinyTorch-summary">{report.summary}</strong>
        <Button minimal small title="Dismiss this report" onClick={props.onClose}>
          <closeIcon.react tag="span" />
        </Button>
      </div>
      {open && (
        <ul className="jp-TinyTorch-tests">
          {pieces(report).map(piece => (
            <li key={piece.piece}>
              {piece.failures.length ? (
                <closeIcon.react tag="span" className="jp-TinyTorch-fail" />
              ) : (
                <checkIcon.react tag="span" className="jp-TinyTorch-pass" />
              )}
              <span className="jp-TinyTorch-test">{piece.piece}</span>
              <span className="jp-TinyTorch-count">
                {piece.passed}/{piece.total}
              </span>
              {piece.failures.map(test => (
                <React.Fragment key={test.name}>
                  <div className="jp-TinyTorch-failure">{test.name}</div>
                  {!piece.shared && test.message && (
                    <div className="jp-TinyTorch-message">{test.message}</div>
                  )}
                </React.Fragment>
              ))}
              {piece.shared && <div className="jp-TinyTorch-message">{piece.shared}</div>}
            </li>
          ))}
          {report.unanswered.map(question => (
            <li key={question} className="jp-mod-unanswered">
              Unanswered: {question}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function MilestoneView(props: {
  model: CourseModel;
  course: Course;
  milestone: MilestoneFacts;
}): JSX.Element {
  const { model, course, milestone } = props;
  const state = milestoneState(course, milestone);
  const running = model.busy.has(`milestone:${milestone.name}`);
  const run: MilestoneRun | undefined = model.runs.get(milestone.name);
  const exported = new Set(course.modules.filter(m => m.exported).map(m => m.id));
  return (
    <li className="jp-TinyTorch-item" data-milestone={milestone.name}>
      <div className="jp-TinyTorch-row">
        <span className="jp-TinyTorch-name">{milestone.title}</span>
        <span className={`jp-TinyTorch-badge jp-mod-${state.status}`}>{state.label}</span>
      </div>
      {(state.detail || state.at) && (
        <div className="jp-TinyTorch-detail">
          {state.at && `last run ${formatTime(state.at)}`}
          {state.at && state.detail && ' · '}
          {state.detail}
        </div>
      )}
      <ul className="jp-TinyTorch-requires">
        {milestone.requires.map(id => (
          <li key={id} className={exported.has(id) ? 'jp-mod-done' : 'jp-mod-missing'}>
            {course.modules.find(m => m.id === id)?.title ?? id}
          </li>
        ))}
      </ul>
      <div className="jp-TinyTorch-actions">
        <Action
          label="Run"
          title={`Run the ${milestone.title} milestone`}
          disabledTitle={state.detail}
          enabled={state.status !== 'missing' && state.status !== 'unavailable'}
          busy={running}
          onClick={() => void model.runMilestone(milestone.name)}
        />
      </div>
      {run && <Output text={run.output || 'Starting…'} />}
    </li>
  );
}

/** A run's output, kept scrolled to its end as it grows. */
function Output({ text }: { text: string }): JSX.Element {
  const node = React.useRef<HTMLPreElement>(null);
  React.useEffect(() => {
    if (node.current) {
      node.current.scrollTop = node.current.scrollHeight;
    }
  }, [text]);
  return (
    <pre ref={node} className="jp-TinyTorch-output">
      {text}
    </pre>
  );
}
