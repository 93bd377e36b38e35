// Load what a screen shows; reload again on demand (a retry button, a live event).
import { useCallback, useEffect, useState } from "preact/hooks";

export interface Loaded<D> {
  data: D | undefined;
  error: unknown;
  reload: () => void;
  set: (update: (data: D) => D) => void;
}

export function useLoad<D>(load: () => Promise<D>, deps: unknown[]): Loaded<D> {
  const [data, setData] = useState<D | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setError(null);
    load().then((value) => current && setData(value), (caught) => current && setError(caught));
    return () => { current = false; };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const set = useCallback((update: (data: D) => D) => setData((old) => (old === undefined ? old : update(old))), []);
  return { data, error, reload, set };
}
