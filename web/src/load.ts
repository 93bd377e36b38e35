// Load what a screen shows; reload on demand (a retry button, a live event) or when deps
// change (the language, the session), keeping the data shown meanwhile, unless `subject`
// changed: another consultation's data is never shown, even for a moment, under this one.
import { useCallback, useEffect, useState } from "preact/hooks";

export interface Loaded<D> {
  data: D | undefined;
  error: unknown;
  reload: () => void;
  set: (update: (data: D) => D) => void;
}

interface State<D> {
  subject: string;
  data: D | undefined;
  error: unknown;
}

export function useLoad<D>(load: () => Promise<D>, deps: unknown[], subject = ""): Loaded<D> {
  const [state, setState] = useState<State<D>>({ subject, data: undefined, error: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState((old) => (old.subject === subject ? { ...old, error: null } : { subject, data: undefined, error: null }));
    load().then(
      (data) => current && setState({ subject, data, error: null }),
      (error) => current && setState((old) => ({ subject, data: old.subject === subject ? old.data : undefined, error })),
    );
    return () => { current = false; };
  }, [...deps, subject, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const set = useCallback((update: (data: D) => D) => setState((old) => (
    old.data === undefined ? old : { ...old, data: update(old.data) })), []);
  const same = state.subject === subject;
  return { data: same ? state.data : undefined, error: same ? state.error : null, reload, set };
}
