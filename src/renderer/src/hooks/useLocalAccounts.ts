/** Whether this Latchkey has local accounts, with their label, registration and password rules; null: none. */
import { useEffect, useState } from 'react';
import type { LocalAccountsInfo } from '../../../shared/accounts';

export function useLocalAccounts(): LocalAccountsInfo | null {
  const [info, setInfo] = useState<LocalAccountsInfo | null>(null);
  useEffect(() => {
    let live = true;
    window.latchkey.accounts.localInfo().then(
      (answer) => live && setInfo(answer),
      () => live && setInfo(null),
    );
    return () => {
      live = false;
    };
  }, []);
  return info;
}
