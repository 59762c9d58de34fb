import { api, applyWords, nameOf, showError, signIn } from '/ui/app.js';

applyWords();

async function offerDevelopmentSignIn() {
  let offered;
  try {
    offered = await api('/dev/sign-in', { anonymous: true });
  } catch {
    return; // Not a development service, or not from this machine: tokens only.
  }
  const select = document.querySelector('#agency');
  for (const agency of offered.agencies) {
    const option = document.createElement('option');
    option.value = agency.id;
    option.textContent = `${nameOf(agency)} (${agency.kind})`;
    select.append(option);
  }
  document.querySelector('#dev').hidden = false;
  document.querySelector('#dev-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const { token } = await api('/dev/sign-in', {
        method: 'POST',
        anonymous: true,
        body: { agencyId: select.value, actorId: document.querySelector('#officer').value.trim() },
      });
      signIn(token);
      location.assign('/ui/home.html');
    } catch (error) {
      showError(error);
    }
  });
}

document.querySelector('#token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  signIn(document.querySelector('#token').value.trim());
  try {
    await api('/agencies/me', { anonymous: true });
    location.assign('/ui/home.html');
  } catch (error) {
    showError(error);
  }
});

offerDevelopmentSignIn();
