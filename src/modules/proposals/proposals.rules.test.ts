/**
 * The proposal rules as pure functions, table by table: which action each state allows, what
 * the public sees of the state, numbers, due dates and overdue across fiscal years, reminder
 * times, the metric's yearly counts (31 March / 1 April), and who may do what.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthUser } from '../../core/auth.ts';
import * as policy from './proposals.policy.ts';
import {
  answerDueOn,
  formatProposalNumber,
  implementedPerYear,
  isOverdue,
  refusalOf,
  reminderAt,
  statusAfter,
  visibleStatus,
  type Action,
  type CaseState,
  type Status,
} from './proposals.workflow.ts';

function state(status: Status, more: Partial<CaseState> = {}): CaseState {
  return { status, answerState: null, decision: null, wantsPublic: true, publiclyVisible: false, hidden: false, ...more };
}

const received = state('received');
const assigned = state('assigned');
const drafted = state('assigned', { answerState: 'draft', decision: 'adopt' });
const submitted = state('answered', { answerState: 'submitted', decision: 'adopt' });
const approvedAdopt = state('answered', { answerState: 'approved', decision: 'adopt' });
const approvedPartly = state('answered', { answerState: 'approved', decision: 'partly_adopt' });
const approvedConsider = state('answered', { answerState: 'approved', decision: 'consider' });
const implemented = state('implemented', { answerState: 'approved', decision: 'adopt' });
const withdrawn = state('withdrawn');
const declined = state('declined');

describe('the workflow', () => {
  // [action, state, allowed]
  const table: [Action, string, CaseState, boolean][] = [
    ['assign', 'received', received, true],
    ['assign', 'assigned', assigned, false],
    ['transfer', 'assigned', assigned, true],
    ['transfer', 'received', received, false],
    ['transfer', 'answer awaiting approval', submitted, false],
    ['answer', 'received (before assignment)', received, false],
    ['answer', 'assigned', assigned, true],
    ['answer', 'assigned with a draft answer', drafted, true],
    ['answer', 'answer awaiting approval', submitted, false],
    ['answer', 'answered', approvedAdopt, false],
    ['saveAnswer', 'assigned', assigned, true],
    ['approveAnswer', 'assigned with a draft answer only', drafted, false],
    ['approveAnswer', 'answer awaiting approval', submitted, true],
    ['approveAnswer', 'already approved', approvedAdopt, false],
    ['returnAnswer', 'answer awaiting approval', submitted, true],
    ['returnAnswer', 'approved', approvedAdopt, false],
    ['implement', 'received', received, false],
    ['implement', 'assigned', assigned, false],
    ['implement', 'answer awaiting approval', submitted, false],
    ['implement', 'approved adopt', approvedAdopt, true],
    ['implement', 'approved partly adopt', approvedPartly, true],
    ['implement', 'approved consider', approvedConsider, false],
    ['implement', 'implemented', implemented, false],
    ['decline', 'received', received, true],
    ['decline', 'assigned', assigned, false],
    ['decline', 'answered', approvedAdopt, false],
    ['withdraw', 'received', received, true],
    ['withdraw', 'assigned', assigned, true],
    ['withdraw', 'answer awaiting approval', submitted, false],
    ['withdraw', 'answered', approvedAdopt, false],
    ['withdraw', 'withdrawn', withdrawn, false],
    ['extend', 'received', received, true],
    ['extend', 'answer awaiting approval', submitted, true],
    ['extend', 'answered', approvedAdopt, false],
    ['extend', 'declined', declined, false],
    ['publish', 'received, proposer agreed', received, true],
    ['publish', 'received, proposer did not agree', state('received', { wantsPublic: false }), false],
    ['publish', 'draft', state('draft'), false],
    ['publish', 'declined', declined, false],
    ['publish', 'withdrawn', withdrawn, false],
    ['hide', 'public', state('assigned', { publiclyVisible: true }), true],
    ['hide', 'not public', assigned, false],
    ['unhide', 'hidden', state('assigned', { hidden: true }), true],
    ['unhide', 'not hidden', assigned, false],
    ['support', 'public', state('received', { publiclyVisible: true }), true],
    ['support', 'not public', received, false],
    ['submit', 'draft', state('draft'), true],
    ['submit', 'received', received, false],
  ];
  for (const [action, label, s, allowed] of table) {
    it(`${allowed ? 'allows' : 'refuses'} ${action} when ${label}`, () => {
      const refusal = refusalOf(action, s);
      assert.equal(refusal === null, allowed);
      if (refusal) {
        assert.ok(refusal.ja.length > 0 && refusal.en.length > 0, 'a refusal says why in both languages');
      }
    });
  }

  it('moves each state-changing action to the state DESIGN.md names', () => {
    assert.equal(statusAfter('submit', state('draft')), 'received');
    assert.equal(statusAfter('assign', received), 'assigned');
    assert.equal(statusAfter('answer', assigned), 'answered');
    assert.equal(statusAfter('returnAnswer', submitted), 'assigned');
    assert.equal(statusAfter('implement', approvedAdopt), 'implemented');
    assert.equal(statusAfter('decline', received), 'declined');
    assert.equal(statusAfter('withdraw', assigned), 'withdrawn');
    assert.equal(statusAfter('extend', assigned), 'assigned');
  });

  it('shows an answer awaiting approval as still being considered', () => {
    assert.equal(visibleStatus(submitted), 'assigned');
    assert.equal(visibleStatus(approvedAdopt), 'answered');
    assert.equal(visibleStatus(implemented), 'implemented');
    assert.equal(visibleStatus(received), 'received');
  });
});

describe('numbers and dates', () => {
  it('writes the number as the fiscal year and a four-digit sequence', () => {
    assert.equal(formatProposalNumber(2026, 42), '2026-0042');
    assert.equal(formatProposalNumber(2026, 1), '2026-0001');
    assert.equal(formatProposalNumber(2027, 10000), '2027-10000');
  });

  it('makes the answer due the given number of days after receipt, across the fiscal year end', () => {
    assert.equal(answerDueOn('2026-06-01', 30), '2026-07-01');
    assert.equal(answerDueOn('2027-03-15', 30), '2027-04-14');
    assert.equal(answerDueOn('2028-02-15', 14), '2028-02-29');
  });

  const owed = { status: 'assigned' as const, answerState: null, answerDueOn: '2027-04-14' };
  const cases: [string, Parameters<typeof isOverdue>[0], string, boolean][] = [
    ['on the due day', owed, '2027-04-14', false],
    ['the day after, in the next fiscal year', owed, '2027-04-15', true],
    ['while the answer awaits approval', { status: 'answered', answerState: 'submitted', answerDueOn: '2027-04-14' }, '2027-05-01', true],
    ['once the answer is published', { status: 'answered', answerState: 'approved', answerDueOn: '2027-04-14' }, '2027-05-01', false],
    ['once withdrawn', { status: 'withdrawn', answerState: null, answerDueOn: '2027-04-14' }, '2027-05-01', false],
    ['with the due date extended', { ...owed, answerDueOn: '2027-05-31' }, '2027-05-01', false],
  ];
  for (const [label, p, today, expected] of cases) {
    it(`${expected ? 'is' : 'is not'} overdue ${label}`, () => assert.equal(isOverdue(p, today), expected));
  }

  it('sends the reminder at 09:00 in Japan the set number of days before the due date, or at once when that is past', () => {
    const now = new Date('2026-06-01T03:00:00Z');
    assert.equal(reminderAt('2026-07-01', 7, now)?.toISOString(), '2026-06-24T00:00:00.000Z');
    assert.equal(reminderAt('2026-06-03', 7, now)?.toISOString(), now.toISOString());
    assert.equal(reminderAt('2026-07-01', 0, now), null);
  });
});

describe('the metric: proposals implemented in a fiscal year', () => {
  const p = (implementedOn: string, isDemo = false) => ({ implementedOn, isDemo });

  it('counts 31 March in the ending fiscal year and 1 April in the next, the running year dated today', () => {
    const obs = implementedPerYear([p('2026-03-31'), p('2026-04-01'), p('2026-04-02'), p('2025-04-01')], 2025, '2026-06-01', '2013-03-31');
    assert.deepEqual(obs, [
      { value: 2, asOf: '2026-03-31' },
      { value: 2, asOf: '2026-06-01' },
    ]);
  });

  it('reports the running year at 0 and every year since the first proposal', () => {
    assert.deepEqual(implementedPerYear([p('2024-05-01')], 2024, '2026-06-01', null), [
      { value: 1, asOf: '2025-03-31' },
      { value: 0, asOf: '2026-03-31' },
      { value: 0, asOf: '2026-06-01' },
    ]);
  });

  it('reports nothing while the platform holds no proposal', () => {
    assert.deepEqual(implementedPerYear([], null, '2026-06-01', null), []);
  });

  it('leaves the years up to the baseline date to the staff-entered records', () => {
    assert.deepEqual(implementedPerYear([p('2012-06-01'), p('2013-06-01')], 2012, '2014-01-10', '2013-03-31'), [{ value: 1, asOf: '2014-01-10' }]);
  });

  it('marks a year holding demonstration proposals as demo', () => {
    assert.deepEqual(implementedPerYear([p('2026-05-01', true), p('2026-05-02')], 2026, '2026-06-01', null), [{ value: 2, asOf: '2026-06-01', demo: true }]);
  });
});

describe('who may do what', () => {
  const u = (role: AuthUser['role'], departmentCode: string | null = null, id = `${role}-${departmentCode}`) => ({ id, role, departmentCode });
  const citizen = u('citizen', null, 'c1');
  const other = u('citizen', null, 'c2');
  const kyodo = u('staff', 'shimin-kyodo');
  const shisan = u('staff', 'shisan-keiei');
  const pm = u('plan_manager', 'seisaku-suishin');
  const admin = u('admin', 'joho-seisaku');
  const p: policy.ProposalParties = { proposerId: 'c1', departmentCode: 'shimin-kyodo' };
  const unassigned: policy.ProposalParties = { proposerId: 'c1', departmentCode: null };

  // [rule, user, proposal, expected]
  const table: [string, (user: typeof citizen | null, x: policy.ProposalParties) => boolean, typeof citizen | null, policy.ProposalParties, boolean][] = [
    ['answer', policy.canAnswerProposal, kyodo, p, true],
    ['answer', policy.canAnswerProposal, shisan, p, false],
    ['answer', policy.canAnswerProposal, pm, p, false],
    ['answer', policy.canAnswerProposal, kyodo, unassigned, false],
    ['answer', policy.canAnswerProposal, citizen, p, false],
    ['answer', policy.canAnswerProposal, null, p, false],
    ['implement', policy.canImplementProposal, kyodo, p, true],
    ['implement', policy.canImplementProposal, shisan, p, false],
    ['extend', policy.canExtendProposal, pm, p, true],
    ['extend', policy.canExtendProposal, kyodo, p, true],
    ['extend', policy.canExtendProposal, shisan, p, false],
    ['view the case', policy.canViewCase, pm, unassigned, true],
    ['view the case', policy.canViewCase, admin, p, true],
    ['view the case', policy.canViewCase, kyodo, unassigned, false],
    ['view the case', policy.canViewCase, citizen, p, false],
    ['withdraw', policy.canWithdrawProposal, citizen, p, true],
    ['withdraw', policy.canWithdrawProposal, other, p, false],
    ['withdraw', policy.canWithdrawProposal, pm, p, false],
    ['support', policy.canSupportProposal, other, p, true],
    ['support', policy.canSupportProposal, citizen, p, false],
    ['support', policy.canSupportProposal, kyodo, p, false],
    ['read attachments', policy.canReadAttachments, citizen, p, true],
    ['read attachments', policy.canReadAttachments, other, p, false],
    ['read attachments', policy.canReadAttachments, kyodo, p, true],
    ['read attachments', policy.canReadAttachments, shisan, p, false],
    ['hide', policy.canHideProposal, kyodo, p, true],
    ['hide', policy.canHideProposal, shisan, p, false],
  ];
  for (const [rule, fn, user, proposal, expected] of table) {
    it(`${expected ? 'lets' : 'does not let'} ${user ? `${user.role}${user.departmentCode ? ` of ${user.departmentCode}` : ''}` : 'the anonymous'} ${rule}${proposal.departmentCode ? '' : ' (unassigned)'}`, () =>
      assert.equal(fn(user, proposal), expected));
  }

  it('keeps assignment, approval and moderation to plan managers and administrators', () => {
    assert.deepEqual([citizen, kyodo, pm, admin, null].map((x) => policy.canManageProposals(x)), [false, false, true, true, false]);
  });

  it('lets citizens submit and staff key in', () => {
    assert.deepEqual([citizen, kyodo, pm].map((x) => policy.canSubmitProposal(x)), [true, false, false]);
    assert.deepEqual([citizen, kyodo, pm].map((x) => policy.canKeyInProposal(x)), [false, true, true]);
  });
});
