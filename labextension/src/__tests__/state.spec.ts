import {
  Course,
  dueState,
  milestoneState,
  ModuleFacts,
  moduleState,
  pieces,
  span,
  TestResult,
  ValidationReport
} from '../state';
import answer from './fixtures/course.json';

const course = answer as Course;

function module(id: string): ModuleFacts {
  return course.modules.find(m => m.id === id)!;
}

const stateOf = (id: string) => moduleState(course, module(id));

/** A copy of `course` with module `id` changed. */
function changed(id: string, change: Partial<ModuleFacts>): Course {
  return {
    ...course,
    modules: course.modules.map(m => (m.id === id ? { ...m, ...change } : m))
  };
}

describe('moduleState', () => {
  it('gives every stage of the course answer its badge', () => {
    const badges = Object.fromEntries(
      course.modules.map(m => [m.id, [moduleState(course, m).stage, moduleState(course, m).label]])
    );
    expect(badges).toEqual({
      setup: ['graded', 'Graded 61.5/100'],
      tensor: ['tested', 'Tests 3/8 passing'],
      activations: ['locked', 'Locked'],
      layers: ['released', 'Released'],
      losses: ['unreleased', 'Not released yet'],
      autograd: ['fetched', 'Not started'],
      optimizers: ['exported', 'Exported'],
      training: ['submitted', 'Submitted'],
      dataloader: ['in-progress', 'In progress']
    });
  });

  it('names the prerequisites a locked module misses, by title', () => {
    const state = stateOf('activations');
    expect(state.detail).toBe('export Tensor first');
    expect(state.can).toEqual({
      open: true,
      test: false,
      export: false,
      submit: false,
      feedback: false
    });
  });

  it('unlocks a module once its prerequisites are exported', () => {
    const unlocked = changed('tensor', { exported: true });
    expect(moduleState(unlocked, module('activations')).stage).toBe('released');
  });

  it('says graded without a score when the feedback page carries none', () => {
    const feedback = { ...module('setup').feedback!, score: null, max_score: null };
    const unscored = changed('setup', { feedback });
    expect(moduleState(unscored, unscored.modules[0]).label).toBe('Graded');
  });

  it('gives the time of the newest submission and of the feedback', () => {
    expect(stateOf('training').at).toBe('2026-12-04T08:30:00+00:00');
    expect(stateOf('setup').at).toBe('2026-11-30T09:00:00+00:00');
  });

  it('keeps the tests result of an exported module as its detail', () => {
    expect(stateOf('optimizers').detail).toBe('Tests 8/8 passing');
  });

  it('enables only the actions that make sense', () => {
    expect(stateOf('losses').can).toEqual({
      open: false,
      test: false,
      export: false,
      submit: false,
      feedback: false
    });
    expect(stateOf('layers').can).toMatchObject({ open: true, test: false, submit: false });
    expect(stateOf('autograd').can).toMatchObject({ test: true, export: true, submit: false });
    expect(stateOf('tensor').can).toMatchObject({ test: true, submit: true, feedback: false });
    expect(stateOf('setup').can.feedback).toBe(true);
  });

  it('offers feedback once it is released, before it is fetched', () => {
    const released = changed('training', {
      submissions: [{ timestamp: '2026-12-04T08:30:00+00:00', feedback_released: true }]
    });
    const state = moduleState(released, released.modules.find(m => m.id === 'training')!);
    expect(state.can.feedback).toBe(true);
    expect(state.detail).toBe('feedback is ready: view it');
  });
});

describe('dueState', () => {
  const now = course.now;

  it('is null without a due date', () => {
    expect(dueState(module('activations'), now)).toBeNull();
  });

  it('counts down to the due date, "soon" within two days', () => {
    expect(dueState(module('layers'), now)).toEqual({
      at: '2026-12-08T18:00:00+00:00',
      text: 'due in 2 days',
      late: false,
      soon: false
    });
    expect(dueState(module('tensor'), now)).toMatchObject({ text: 'due in 44 hours', soon: true });
    expect(dueState(module('optimizers'), now)).toMatchObject({ text: 'due in 30 minutes' });
  });

  it('is late when not submitted after the due date', () => {
    expect(dueState(module('autograd'), now)).toMatchObject({
      text: 'late by 4 days',
      late: true
    });
  });

  it('is late when the newest submission came after the due date', () => {
    expect(dueState(module('training'), now)).toMatchObject({
      text: 'submitted late',
      late: true
    });
  });

  it('is on time when the newest submission came before the due date', () => {
    expect(dueState(module('setup'), now)).toMatchObject({
      text: 'submitted on time',
      late: false
    });
  });
});

describe('span', () => {
  it('says a duration in words: days from two days on, else hours, else minutes', () => {
    expect(span(1000)).toBe('1 minute');
    expect(span(90 * 60 * 1000)).toBe('2 hours');
    expect(span(36 * 3600 * 1000)).toBe('36 hours');
    expect(span(60 * 3600 * 1000)).toBe('3 days');
  });
});

describe('milestoneState', () => {
  const states = Object.fromEntries(
    course.milestones.map(m => [m.name, milestoneState(course, m)])
  );

  it('is ready when every module it needs is exported', () => {
    expect(states.perceptron).toEqual({
      status: 'ready',
      label: 'Ready',
      detail: 'every module it needs is exported',
      at: null
    });
  });

  it('names the modules still to export', () => {
    expect(states.mlp).toMatchObject({ status: 'missing', detail: 'export Tensor first' });
  });

  it('cannot run without a script in the course', () => {
    const [perceptron] = course.milestones;
    expect(milestoneState(course, { ...perceptron, available: false }).status).toBe('unavailable');
  });

  it('says how the last run went', () => {
    expect(states.xor).toMatchObject({ status: 'passed', at: '2026-12-05T12:00:00+00:00' });
    expect(states.cnn).toMatchObject({ status: 'failed', label: 'Failed' });
  });
});

describe('pieces', () => {
  const TODO = 'NotImplementedError: relu is not implemented yet';
  const test = (name: string, piece: string, outcome: TestResult['outcome'], message = '') => ({
    name,
    piece,
    outcome,
    message
  });
  const report: ValidationReport = {
    summary: '4 of 6 tests fail; 1 question unanswered',
    passed: 2,
    total: 6,
    tests: [
      test('test_relu_zero', 'relu', 'failed', TODO),
      test('test_relu_positive', 'relu', 'failed', TODO),
      test('test_sigmoid_half', 'sigmoid', 'passed'),
      test('test_sigmoid_range', 'sigmoid', 'failed', 'sigmoid(100) should be 1.0, got nan'),
      test('test_sigmoid_shape', 'sigmoid', 'error', 'TypeError: bad operand'),
      test('test_tanh', 'tanh', 'passed')
    ],
    unanswered: ['Q1 why ReLU']
  };

  it('groups the tests by the piece they test, in report order', () => {
    expect(pieces(report).map(p => [p.piece, p.passed, p.total])).toEqual([
      ['relu', 0, 2],
      ['sigmoid', 1, 3],
      ['tanh', 1, 1]
    ]);
  });

  it('says a message all failures of a piece share once', () => {
    const [relu, sigmoid, tanh] = pieces(report);
    expect(relu.shared).toBe(TODO);
    expect(sigmoid.shared).toBeNull();
    expect(sigmoid.failures.map(t => t.name)).toEqual(['test_sigmoid_range', 'test_sigmoid_shape']);
    expect(tanh.failures).toEqual([]);
  });
});
