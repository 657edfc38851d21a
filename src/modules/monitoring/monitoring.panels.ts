/** The plan's section 6-3 (情報のひびきあうまちづくり) shows the measured availability beside its indicators. */
import { addDays, fiscalYearOf, fiscalYearStart, formatBothFiscalYear } from '../../core/dates.ts';
import { translate } from '../../core/i18n.ts';
import type { SectionPanel, SectionPanelQuery } from '../module.ts';
import { jstDateOf, jstDayStart } from './monitoring.availability.ts';
import { durationText, percentText } from './monitoring.format.ts';
import { availabilityOf } from './monitoring.report.ts';
import * as repo from './monitoring.repository.ts';
import { MONITORING_SCOPE } from './monitoring.runner.ts';
import './monitoring.messages.ts';

/** The section whose indicator 6-3-2 this module feeds. */
export const PANEL_SECTION = '6-3';

async function panels(q: SectionPanelQuery): Promise<SectionPanel[]> {
  if (q.sectionCode !== PANEL_SECTION) return [];
  const counted = await repo.listChecks(q.sql, q.tenantId, { counted: true });
  const first = await repo.firstRecorded(q.sql, q.tenantId, counted.map((c) => c.id));
  if (!first) return [];
  const end = new Date(jstDayStart(addDays(q.today, 1)));
  const from = new Date(jstDayStart(fiscalYearStart(Math.max(fiscalYearOf(q.today) - 4, fiscalYearOf(jstDateOf(first.getTime()))))));
  const result = await availabilityOf(q.sql, q.tenantId, counted, { from, to: end, now: end, by: 'fiscalYear' });
  const t = (key: string, params?: Record<string, string | number>) => translate(q.lang, key, params);
  return [
    {
      heading: t('monitoring.panel.heading'),
      lead: t('monitoring.panel.lead', { systems: counted.length }),
      table: {
        caption: t('monitoring.panel.caption'),
        columns: [t('monitoring.col.fiscalYear'), t('monitoring.col.availability'), t('monitoring.col.down'), t('monitoring.col.maintenance')],
        rows: result.buckets
          .filter((b) => b.overall.availability !== null)
          .map((b) => [
            formatBothFiscalYear(Number(b.key)) + (b.overall.demo ? ` ${t('monitoring.demo.badgeText')}` : ''),
            percentText(b.overall.availability, q.lang),
            durationText(b.overall.tally.downMs, q.lang),
            durationText(b.overall.tally.maintenanceMs, q.lang),
          ]),
      },
      links: [{ href: '/status', label: t('monitoring.panel.link') }],
      demo: result.buckets.some((b) => b.overall.demo),
    },
  ];
}

export const monitoringSectionPanels = { scopes: [MONITORING_SCOPE], panels };
