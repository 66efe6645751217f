import { useCallback, useEffect, useState } from "react";
import { Unauthorized, loadConfig, request } from "./api.js";
import { claims, confirmSignUp, signIn, signOutEverywhere, signUp } from "./cognito.js";
import Projects from "./Projects.jsx";

const SESSION_KEY = "tracker-session";

function storedSession() {
  return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
}

export default function App() {
  const [config, setConfig] = useState(null);
  const [session, setSession] = useState(storedSession);
  const [status, setStatus] = useState({ text: "", error: false });
  const say = useCallback((text, error = false) => setStatus({ text, error }), []);

  useEffect(() => {
    loadConfig().then(setConfig, (error) => say(error.message, true));
  }, [say]);

  const keep = (next) => {
    if (next) sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
    else sessionStorage.removeItem(SESSION_KEY);
    setSession(next);
  };

  const signOut = async () => {
    try {
      await signOutEverywhere(config, session);
    } catch {
      // The tokens may have expired already: signing out locally is what matters.
    }
    keep(null);
    say("Signed out.");
  };

  // Every API call goes through here: an answer of 401/403 ends the session.
  const api = useCallback(
    async (method, path, body) => {
      try {
        return await request(session, method, path, body);
      } catch (error) {
        if (error instanceof Unauthorized) {
          keep(null);
          say(`Access refused (${error.message}); please sign in again.`, true);
        } else {
          say(error.message, true);
        }
        throw error;
      }
    },
    [session, say],
  );

  return (
    <main>
      <header>
        <h1>Tracker</h1>
        {session && (
          <p className="who">
            Signed in as {claims(session.idToken).email}{" "}
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </p>
        )}
      </header>
      <p role="status" className={status.error ? "error" : ""}>
        {status.text}
      </p>
      {!config ? (
        <p>Loading…</p>
      ) : session ? (
        <Projects api={api} say={say} />
      ) : (
        <SignIn
          config={config}
          say={say}
          onSignedIn={(next) => {
            keep(next);
            say("");
          }}
        />
      )}
    </main>
  );
}

function SignIn({ config, say, onSignedIn }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  const attempt = (work) => async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await work();
    } catch (error) {
      say(error.message, true);
    } finally {
      setBusy(false);
    }
  };

  const create = attempt(async () => {
    await signUp(config, email, password);
    setConfirming(true);
    say(`We sent a confirmation code to ${email}.`);
  });
  const confirm = attempt(async () => {
    await confirmSignUp(config, email, code.trim());
    onSignedIn(await signIn(config, email, password));
  });
  const enter = attempt(async () => onSignedIn(await signIn(config, email, password)));

  if (confirming) {
    return (
      <form className="card" onSubmit={confirm}>
        <h2>Confirm your email</h2>
        <p className="hint">
          Running on Lamina? The code is in the terminal of <code>lamina up</code> and at{" "}
          <a href="/_lamina/cognito/outbox">/_lamina/cognito/outbox</a>.
        </p>
        <label>
          Confirmation code
          <input value={code} onChange={(e) => setCode(e.target.value)} required />
        </label>
        <button type="submit" disabled={busy}>
          Confirm and sign in
        </button>
      </form>
    );
  }
  return (
    <form className="card" onSubmit={enter}>
      <h2>Sign in</h2>
      <label>
        Email
        <input
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
        />
      </label>
      <label>
        Password
        <input
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <button type="button" disabled={busy || !email || !password} onClick={create}>
          Create an account
        </button>
      </div>
    </form>
  );
}
