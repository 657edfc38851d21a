/** Messages of the site module. */
import { defineMessages } from '../../core/i18n.ts';

export const siteMessages = defineMessages({});
