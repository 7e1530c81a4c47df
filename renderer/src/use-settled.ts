import { useEffect, useState } from 'react';

/** `value` once it has stayed the same for `ms`: work too slow for every step of a slider waits for it to rest. */
export function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}
