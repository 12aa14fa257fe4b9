/**
 * What the panel shows, derived from the facts of the panel API's `GET course` answer.
 * Pure functions: no requests, no clock (the server's `now` is the time).
 */

/** The last test run of a module, in the panel or `tito module test`. */
export interface TestRun {
  passed: number;
  total: number;
  at: string;
}

export interface Submission {
  timestamp: string;
  feedback_released: boolean;
}

/** The newest feedback the student fetched; no score when its page carries none (pages
 * made before scores were written into them). */
export interface Feedback {
  path: string;
  timestamp: string;
  score: number | null;
  max_score: number | null;
}

/** "61.5/100", or "" without a score. */
export function scoreText(feedback: Feedback): string {
  return feedback.score === null ? '' : `${feedback.score}/${feedback.max_score}`;
}

export interface ModuleFacts {
  id: string;
  number: string;
  title: string;
  notebook: string;
  requires: string[];
  released: boolean;
  fetched: boolean;
  started: boolean;
  tests: TestRun | null;
  exported: boolean;
  exported_at: string | null;
  submissions: Submission[];
  feedback: Feedback | null;
  due: string | null;
  late_policy: string;
}

export interface MilestoneFacts {
  name: string;
  title: string;
  requires: string[];
  missing: string[];
  last: { passed: boolean; at: string } | null;
  /** False when the course has no script for it yet (absent: it has one). */
  available?: boolean;
}

export type Role = 'student' | 'teaching-assistant' | 'instructor';

export interface Course {
  title: string;
  student: string;
  now: string;
  role: Role;
  staff_links: { dashboard: string; formgrader: string } | null;
  exchange: 'hub' | 'local';
  modules: ModuleFacts[];
  milestones: MilestoneFacts[];
}

export interface TestResult {
  name: string;
  /** What it tests: the names the exercise before it defines, e.g. "ReLU.forward". */
  piece: string;
  outcome: 'passed' | 'failed' | 'error';
  /** The assertion's message (never a traceback). */
  message: string;
}

/** The answer of `POST modules/<id>/test`: summary first, then each test. */
export interface ValidationReport {
  summary: string;
  passed: number;
  total: number;
  tests: TestResult[];
  unanswered: string[];
}

/** The tests of one piece of a module, as the panel lists them. */
export interface PieceResult {
  piece: string;
  passed: number;
  total: number;
  /** The tests that failed or errored, in report order. */
  failures: TestResult[];
  /** The message every failure shares (said once), else null. */
  shared: string | null;
}

/** Where a student is with a module, furthest first. */
export type Stage =
  | 'graded'
  | 'submitted'
  | 'exported'
  | 'tested'
  | 'in-progress'
  | 'fetched'
  | 'released'
  | 'locked'
  | 'unreleased';

export interface Due {
  /** The due date (ISO 8601). */
  at: string;
  /** "due in 2 days", "late by 3 hours", "submitted late", "submitted on time". */
  text: string;
  late: boolean;
  /** Not submitted and due within two days. */
  soon: boolean;
}

export interface ModuleState {
  stage: Stage;
  /** The badge: "Tests 3/8 passing", "Graded 61.5/100", ... */
  label: string;
  /** What to do next or what the badge leaves out, e.g. "Export Setup first". */
  detail: string;
  /** When the stage was reached (submitted, graded), else null. */
  at: string | null;
  due: Due | null;
  /** Which actions make sense now. */
  can: {
    open: boolean;
    test: boolean;
    export: boolean;
    submit: boolean;
    feedback: boolean;
  };
}

export interface MilestoneState {
  /** `unavailable`: no script yet; `missing`: some module it needs is not exported; else it
   * can run, with its last run's result. */
  status: 'unavailable' | 'missing' | 'ready' | 'passed' | 'failed';
  label: string;
  detail: string;
  /** When it last ran, else null. */
  at: string | null;
}

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** A duration in words, rounded: days from two days on, else hours, else minutes. */
export function span(ms: number): string {
  if (ms >= 2 * DAY) {
    return plural(Math.round(ms / DAY), 'day');
  }
  if (ms >= HOUR) {
    return plural(Math.round(ms / HOUR), 'hour');
  }
  return plural(Math.max(1, Math.round(ms / 60000)), 'minute');
}

/** "Setup, Tensor": the titles of module ids (the id itself if unknown). */
export function moduleTitles(course: Course, ids: string[]): string {
  return ids
    .map(id => course.modules.find(module => module.id === id)?.title ?? id)
    .join(', ');
}

/** Required modules of `module` the student has not exported yet. */
export function missingPrerequisites(course: Course, module: ModuleFacts): string[] {
  return module.requires.filter(
    id => !course.modules.find(other => other.id === id)?.exported
  );
}

function newest(submissions: Submission[]): Submission | null {
  return submissions.length ? submissions[submissions.length - 1] : null;
}

/** The due date's status at `now`; null when the module has none. */
export function dueState(module: ModuleFacts, now: string): Due | null {
  if (!module.due) {
    return null;
  }
  const due = Date.parse(module.due);
  const submitted = newest(module.submissions);
  if (submitted) {
    const late = Date.parse(submitted.timestamp) > due;
    return {
      at: module.due,
      text: late ? 'submitted late' : 'submitted on time',
      late,
      soon: false
    };
  }
  const left = due - Date.parse(now);
  if (left < 0) {
    return { at: module.due, text: `late by ${span(-left)}`, late: true, soon: false };
  }
  return { at: module.due, text: `due in ${span(left)}`, late: false, soon: left < 2 * DAY };
}

function stageOf(module: ModuleFacts, missing: string[]): Stage {
  if (module.feedback) {
    return 'graded';
  }
  if (module.submissions.length) {
    return 'submitted';
  }
  if (module.exported) {
    return 'exported';
  }
  if (module.started) {
    return module.tests ? 'tested' : 'in-progress';
  }
  if (!module.released && !module.fetched) {
    return 'unreleased';
  }
  if (missing.length) {
    return 'locked';
  }
  return module.fetched ? 'fetched' : 'released';
}

function testsText(tests: TestRun): string {
  return `Tests ${tests.passed}/${tests.total} passing`;
}

/** Everything the panel shows of one module of `course`. */
export function moduleState(course: Course, module: ModuleFacts): ModuleState {
  const missing = missingPrerequisites(course, module);
  const stage = stageOf(module, missing);
  const feedback = module.feedback;
  const submitted = newest(module.submissions);
  const tests = module.tests ? testsText(module.tests) : '';
  const labels: Record<Stage, string> = {
    graded: feedback ? `Graded ${scoreText(feedback)}`.trim() : '',
    submitted: 'Submitted',
    exported: 'Exported',
    tested: tests,
    'in-progress': 'In progress',
    fetched: 'Not started',
    released: 'Released',
    locked: 'Locked',
    unreleased: 'Not released yet'
  };
  const details: Record<Stage, string> = {
    graded: '',
    submitted: submitted?.feedback_released ? 'feedback is ready: view it' : '',
    exported: tests,
    tested: '',
    'in-progress': 'run its tests when you are ready',
    fetched: '',
    released: 'open it to start',
    locked: `export ${moduleTitles(course, missing)} first`,
    unreleased: ''
  };
  const at =
    stage === 'graded' ? feedback!.timestamp : stage === 'submitted' ? submitted!.timestamp : null;
  const workable = module.fetched && stage !== 'locked';
  return {
    stage,
    label: labels[stage],
    detail: details[stage],
    at,
    due: dueState(module, course.now),
    can: {
      open: module.released || module.fetched,
      test: workable,
      export: workable,
      submit: module.started && module.released,
      feedback: feedback !== null || module.submissions.some(s => s.feedback_released)
    }
  };
}

/** Whether a milestone can run (every module it needs exported) and how its last run went. */
export function milestoneState(course: Course, milestone: MilestoneFacts): MilestoneState {
  const at = milestone.last?.at ?? null;
  if (milestone.available === false) {
    return { status: 'unavailable', label: 'Not available', detail: 'not in the course yet', at };
  }
  if (milestone.missing.length) {
    const detail = `export ${moduleTitles(course, milestone.missing)} first`;
    return { status: 'missing', label: 'Not ready', detail, at };
  }
  if (!milestone.last) {
    return { status: 'ready', label: 'Ready', detail: 'every module it needs is exported', at };
  }
  return milestone.last.passed
    ? { status: 'passed', label: 'Passed', detail: '', at }
    : { status: 'failed', label: 'Failed', detail: 'see the output of a new run', at };
}

/** A report's tests grouped by the piece they test, pieces in report order. */
export function pieces(report: ValidationReport): PieceResult[] {
  const groups = new Map<string, TestResult[]>();
  for (const test of report.tests) {
    groups.set(test.piece, [...(groups.get(test.piece) ?? []), test]);
  }
  return [...groups].map(([piece, tests]) => {
    const failures = tests.filter(test => test.outcome !== 'passed');
    const messages = new Set(failures.map(test => test.message));
    return {
      piece,
      passed: tests.length - failures.length,
      total: tests.length,
      failures,
      shared: failures.length > 1 && messages.size === 1 ? failures[0].message : null
    };
  });
}
