// Skybridge install page script: live status, automatic verification when the tenant comes back from
// the AWS console (and at most 3 times, 20 s apart, within 10 minutes of opening it, for side-by-side
// windows), and the final redirect. The page works without it (forms post normally).
(() => {
  const status = document.getElementById('status');
  if (!status) return;

  const statusUrl = status.dataset.statusUrl;
  const verifyUrl = status.dataset.verifyUrl;
  const title = document.getElementById('status-title');
  const detail = document.getElementById('status-detail');
  const linkRow = document.getElementById('status-link');
  const link = document.getElementById('status-link-anchor');
  const checkNow = document.getElementById('check-now');
  const verifyForm = document.getElementById('verify-form');
  const actions = document.getElementById('session-actions');
  const steps = document.getElementById('steps');
  const launch = document.getElementById('launch');
  const changeAccount = document.getElementById('change-account');
  const csrfField = document.querySelector('input[name="csrf"]');
  const csrf = csrfField ? csrfField.value : '';
  const launchedKey = `skybridge.launched.${statusUrl}`;

  const FAST_MS = 2000;
  const SLOW_MS = 10000;
  const ERROR_MAX_MS = 30000;
  const AUTO_VERIFY_GAP_MS = 5000;
  // Once the console was opened from this page, check again this often while the page is shown and
  // nothing has been found: a tenant who keeps both windows side by side never refocuses this one.
  const PERIODIC_VERIFY_MS = 20000;
  // A stack takes a minute or two; past this, a tab left open would only keep STS busy for nothing
  // (each check retries for up to the propagation timeout). Focus and "Check now" still work.
  const PERIODIC_VERIFY_FOR_MS = 10 * 60 * 1000;
  // And at most this many in a row: each one that finds no role already waited out the propagation
  // timeout, so three cover several minutes of stack creation.
  const PERIODIC_VERIFY_MAX = 3;

  let current = status.dataset.status;
  let delay = FAST_MS;
  let timer;
  let verifying = false;
  let lastAutoVerify = 0;
  // When the last check ended: the periodic gap counts from there, not from when it started.
  let lastVerifyEnded = 0;
  let periodicChecks = 0;
  // Whether the tenant may still be in the console: the last check was one the page started on its
  // own, or the console was opened after it. Then "no role yet" is expected news, not a problem to fix.
  let lastCheckPeriodic = false;
  let lastAnswer;
  // When the console was opened (kept across reloads, so a reload does not restart the periodic checks).
  let launchedAt = 0;
  let leaving = false;

  function launched() {
    try {
      return sessionStorage.getItem(launchedKey) !== null;
    } catch {
      return false;
    }
  }

  function show(answer) {
    lastAnswer = answer;
    const text = softened(answer) || answer.text || {};
    status.dataset.tone = text.tone || 'idle';
    status.dataset.status = answer.status;
    // Only touch the live region when the words change, so screen readers announce real news.
    if (title.textContent !== text.title) title.textContent = text.title || '';
    if (detail.textContent !== text.detail) detail.textContent = text.detail || '';
    // aria-disabled rather than disabled: a keyboard user who pressed Check now keeps focus on it.
    if (checkNow) {
      if (answer.status === 'awaiting_stack') checkNow.removeAttribute('aria-disabled');
      else checkNow.setAttribute('aria-disabled', 'true');
    }
    if (answer.redirectTo) {
      link.href = answer.redirectTo;
      linkRow.hidden = false;
      // The tab's title and the "use another account" link belonged to the session that just ended.
      if (text.title) document.title = text.title;
      if (changeAccount) changeAccount.hidden = true;
      // The session ended: checking or cancelling no longer means anything.
      // The steps and their launch button belong to a session that has ended.
      if (steps) steps.hidden = true;
      if (actions && !actions.hidden) {
        const hadFocus = actions.contains(document.activeElement);
        actions.hidden = true;
        // Focus was on Check now: keep it on the next thing to do rather than losing it to the page.
        if (hadFocus) link.focus();
      }
    }
  }

  // Completed: straight back to the app. Failed: the contract sends the browser back too (the app gets
  // the error code), but only after time to read what to fix, with a button that stops the countdown
  // (WCAG 2.2.1: timing adjustable). The countdown sits outside the live region: no announcement spam.
  // Long enough to read the fix (a stack, an account and a region to note) before the app takes over.
  const FAILED_REDIRECT_SECONDS = 60;
  const countdownRow = document.getElementById('status-countdown');
  const countdownText = document.getElementById('status-countdown-text');
  const stay = document.getElementById('status-stay');
  let countdown;

  function leave(answer) {
    if (leaving) return;
    if (answer.status === 'completed') {
      leaving = true;
      window.location.assign(answer.redirectTo);
      return;
    }
    if (answer.status !== 'failed' || !countdownRow || countdown !== undefined) return;
    let remaining = FAILED_REDIRECT_SECONDS;
    const tick = () => {
      countdownText.textContent = `Taking you back to the app in ${remaining} s.`;
      if (remaining <= 0) {
        clearInterval(countdown);
        leaving = true;
        window.location.assign(answer.redirectTo);
      }
      remaining -= 1;
    };
    countdownRow.hidden = false;
    tick();
    countdown = setInterval(tick, 1000);
    stay.addEventListener('click', () => {
      clearInterval(countdown);
      countdownRow.hidden = true;
      link.focus();
    });
  }

  function softened(answer) {
    if (!lastCheckPeriodic || answer.status !== 'awaiting_stack') return undefined;
    if (answer.error?.code !== 'role_not_assumable') return undefined;
    return {
      tone: 'idle',
      title: 'Still waiting for your stack.',
      detail:
        periodicChecks < PERIODIC_VERIFY_MAX
          ? 'We looked for the role in your account and it is not there yet. We look again in a moment; once the stack shows CREATE_COMPLETE, you can also press Check now.'
          : 'We looked for the role in your account and it is not there yet. Once the stack shows CREATE_COMPLETE, press Check now.',
    };
  }

  function handle(answer) {
    const changed = answer.status !== current;
    if (current === 'verifying' && answer.status !== 'verifying') lastVerifyEnded = Date.now();
    current = answer.status;
    show(answer);
    if (answer.redirectTo) {
      leave(answer);
      return false;
    }
    // Poll quickly while something is happening; slow down while waiting for the tenant.
    delay = changed || current === 'verifying' ? FAST_MS : Math.min(Math.round(delay * 1.25), SLOW_MS);
    checkPeriodically();
    return true;
  }

  function checkPeriodically() {
    // launchedAt, not launched(): it is set by the click even where storage is refused.
    if (current !== 'awaiting_stack' || document.visibilityState !== 'visible' || launchedAt === 0) return;
    const now = Date.now();
    if (now - launchedAt > PERIODIC_VERIFY_FOR_MS || periodicChecks >= PERIODIC_VERIFY_MAX) return;
    if (now - Math.max(lastAutoVerify, lastVerifyEnded, launchedAt) < PERIODIC_VERIFY_MS) return;
    lastAutoVerify = now;
    periodicChecks += 1;
    verify(true);
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(poll, ms);
  }

  async function poll() {
    try {
      const response = await fetch(statusUrl, { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (!response.ok && response.status !== 404) throw new Error(`status ${response.status}`);
      const answer = await response.json();
      if (response.status === 404) {
        show({ status: 'unknown', text: answer.text });
        return;
      }
      if (handle(answer)) schedule(delay);
    } catch {
      // Network trouble: back off rather than hammer the server.
      delay = Math.min(delay * 2, ERROR_MAX_MS);
      schedule(delay);
    }
  }

  async function verify(periodic = false) {
    if (verifying || current !== 'awaiting_stack') return;
    verifying = true;
    lastCheckPeriodic = periodic;
    try {
      const response = await fetch(verifyUrl, {
        method: 'POST',
        headers: { accept: 'application/json', 'x-csrf-token': csrf },
        cache: 'no-store',
      });
      const answer = await response.json();
      if (response.ok) {
        if (handle(answer)) schedule(FAST_MS);
      } else if (answer.text) {
        show({ status: current, text: answer.text });
      }
    } catch {
      schedule(FAST_MS);
    } finally {
      verifying = false;
    }
  }

  // Coming back to this tab after opening the console means the stack is probably there: check it.
  function returned() {
    if (document.visibilityState !== 'visible' || !launched()) return;
    const now = Date.now();
    if (now - lastAutoVerify < AUTO_VERIFY_GAP_MS) return;
    lastAutoVerify = now;
    // Soon after opening the console the stack may still be on its way: a miss is not a problem yet.
    verify(now - launchedAt <= PERIODIC_VERIFY_FOR_MS);
  }

  if (launched()) {
    let stored = 0;
    try {
      stored = Number(sessionStorage.getItem(launchedKey));
    } catch {
      // Storage refused: count from now.
    }
    launchedAt = stored > 0 && stored <= Date.now() ? stored : Date.now();
  }
  if (launch) {
    launch.addEventListener('click', () => {
      launchedAt = Date.now();
      periodicChecks = 0;
      // An earlier "could not use the role" is old news once the tenant goes to create the stack.
      lastCheckPeriodic = true;
      if (lastAnswer) show(lastAnswer);
      try {
        sessionStorage.setItem(launchedKey, String(launchedAt));
      } catch {
        // Private modes may refuse storage; the Check now button still works.
      }
    });
  }
  if (verifyForm) {
    verifyForm.addEventListener('submit', (event) => {
      event.preventDefault();
      verify();
    });
  }
  window.addEventListener('focus', returned);
  document.addEventListener('visibilitychange', returned);

  schedule(current === 'verifying' ? FAST_MS : FAST_MS + 500);
})();
