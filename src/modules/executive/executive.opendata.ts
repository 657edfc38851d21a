/** The open-data catalogue: the datasets of executive.datasets.ts with the tenant's licence and the published surveys' files. */
import type { Lang } from '../../core/i18n.ts';
import type { OpenDataLicence } from '../../core/public-read.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import { listSurveys } from '../surveys/surveys.service.ts';
import { DATASETS, type DatasetFile } from './executive.datasets.ts';
import { LICENCE, LICENCES } from './executive.service.ts';

export interface CatalogueEntry {
  id: string;
  title: string;
  titleBoth: { ja: string; en: string };
  description: string;
  module: string;
  files: (DatasetFile & { variableText: string | null })[];
  /** Per-survey datasets: each published survey's files. */
  surveys: { code: string; title: string; files: { format: string; href: string }[] }[] | null;
}

/** The municipality's open-data licence (setting opendata.licence, CC BY 4.0 by default). */
export async function openDataLicence(deps: AppDeps, tenant: Tenant): Promise<OpenDataLicence> {
  const id = await deps.settings.get<string>(deps.db, tenant.id, LICENCE);
  return LICENCES[id] ? { id, ...LICENCES[id] } : { id: 'cc-by-4.0', ...LICENCES['cc-by-4.0']! };
}

/** The catalogue as the page and catalogue.json show it. */
export async function catalogue(deps: AppDeps, tenant: Tenant, lang: Lang) {
  const licence = await openDataLicence(deps, tenant);
  const needSurveys = DATASETS.some((d) => d.perSurvey);
  const published = needSurveys
    ? (await listSurveys(deps.db, tenant.id, null, { limit: 200, offset: 0 })).items.filter((s) => s.state === 'published')
    : [];
  const datasets: CatalogueEntry[] = DATASETS.map((d) => ({
    id: d.id,
    title: d.title[lang],
    titleBoth: d.title,
    description: d.description[lang],
    module: d.module,
    files: d.files.map((f) => ({ ...f, variableText: f.variable ? f.variable[lang] : null })),
    surveys: d.perSurvey
      ? published.map((s) => ({
          code: s.code,
          title: s.title,
          files: d.files.map((f) => ({ format: f.format, href: f.href.replace('{code}', encodeURIComponent(s.code)) })),
        }))
      : null,
  }));
  return { licence, datasets, city: lang === 'ja' ? tenant.nameJa : tenant.nameEn || tenant.nameJa };
}
