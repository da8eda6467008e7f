/** Sign-in with an e-mail address and password (POST /api/v1/session); the API's refusal is shown as it says it. */
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';

export function SignIn({ onSignedIn }: { readonly onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/session', { method: 'POST', body: { email, password } });
      onSignedIn();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.problem.detail : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>dmarcpilot</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'sign-in-error' : undefined}>
        <label>
          E-mail address
          <input type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
