import type { Page } from 'playwright-core';

export declare const CHROMIUM_ARGS: string[];
export declare const DEMO_PASSWORDS: Record<'alice' | 'bob', string>;
export declare function driveDemoSignIn(page: Page, script: { user: string; password: string; consent: 'allow' | 'deny' }): Promise<string>;
