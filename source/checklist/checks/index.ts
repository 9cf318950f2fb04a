import type {CheckDeclaration} from '../declaration';
import {helloWorldCheck} from './hello-world';
import {instancesCheck} from './instances';
import {logsCheck} from './logs';
import {metricsCheck} from './metrics';
import {rackCheck} from './rack';

/** The default checklist, in the order it is shown; the account's own checks follow. */
export const CHECKS: readonly CheckDeclaration[] = [rackCheck, instancesCheck, helloWorldCheck, metricsCheck, logsCheck];
