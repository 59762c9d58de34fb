import { api, applyWords, button, header, paragraph, showError, t, tableOf, valueName, when } from '/ui/app.js';

applyWords();

/** Referrals answered from this page: the answer is on record, though the worklist may not show it yet. */
const answered = new Set();

/** Referrals awaiting the agency's answer (each with accept, and decline with a reason), those escalated to it, its cases. */
async function show() {
  const worklist = await api('/agencies/me/worklist');
  fill('#awaiting', worklist.referralsAwaitingAnswer, true);
  fill('#escalated', worklist.escalatedReferrals, false);
  const cases = document.querySelector('#cases');
  cases.replaceChildren(
    worklist.cases.length === 0
      ? paragraph(t('none'))
      : tableOf(
          [t('case'), t('status'), t('municipality')],
          worklist.cases.map((c) => [caseLink(c.caseId), c.status, c.city ?? '']),
        ),
  );
}

function fill(selector, all, answerable) {
  const place = document.querySelector(selector);
  const referrals = all.filter((r) => !answered.has(r.referralId));
  if (referrals.length === 0) {
    place.replaceChildren(paragraph(t('none')));
    return;
  }
  const now = Date.now();
  const rows = referrals.map((r) => {
    const overdue = r.dueBy !== null && Date.parse(r.dueBy) < now;
    const due = r.dueBy === null ? '' : `${when(r.dueBy)}${overdue ? ` (${t('overdue')})` : ''}`;
    return {
      r,
      overdue,
      cells: [
        caseLink(r.caseId),
        r.fromAgency,
        valueName(r.urgency),
        r.subject ? `${valueName(r.subject.category)}, ${valueName(r.subject.ageGroup)}` : '',
        r.reason ?? '',
        due,
      ],
    };
  });
  const table = tableOf(
    [t('case'), t('from'), t('urgency'), t('subject'), t('reason'), t('due-by'), ...(answerable ? [t('answer')] : [])],
    rows.map((row) => row.cells),
  );
  [...table.tBodies[0].rows].forEach((tr, i) => {
    const { r, overdue } = rows[i];
    tr.dataset.referral = r.referralId;
    if (overdue) tr.className = 'overdue';
    if (answerable) tr.insertCell().append(answerForm(r));
  });
  place.replaceChildren(table);
}

function answerForm(referral) {
  const form = document.createElement('form');
  form.className = 'answer';
  const accept = button(t('accept'), () => answer(referral, 'accept', {}));
  const label = document.createElement('label');
  const words = document.createElement('span');
  words.textContent = t('decline-reason');
  const reason = document.createElement('input');
  reason.name = 'reason';
  reason.required = true;
  reason.maxLength = 2000;
  label.append(words, reason);
  const decline = document.createElement('button');
  decline.type = 'submit';
  decline.textContent = t('decline');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    answer(referral, 'decline', { reason: reason.value.trim() });
  });
  form.append(accept, label, decline);
  return form;
}

async function answer(referral, how, body) {
  try {
    await api(`/cases/${encodeURIComponent(referral.caseId)}/referrals/${encodeURIComponent(referral.referralId)}/${how}`, { method: 'POST', body });
    answered.add(referral.referralId);
    document.querySelector('#status').textContent = t(how === 'accept' ? 'accepted' : 'declined', { caseId: referral.caseId });
    await show();
  } catch (error) {
    showError(error);
  }
}

function caseLink(caseId) {
  const link = document.createElement('a');
  link.href = `/ui/case.html?id=${encodeURIComponent(caseId)}`;
  link.textContent = caseId;
  return link;
}

header().then(show).catch(showError);
