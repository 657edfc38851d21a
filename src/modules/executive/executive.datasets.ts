/**
 * オープンデータ目録 — every open-data file Hibiki serves, with its columns, format and
 * licence, for the catalogue page (/opendata). The files belong to their modules; this list
 * is kept beside the catalogue (the module contract has no dataset hook yet) and
 * executive.opendata.test.ts fetches every entry and compares the CSV header (and the JSON
 * items' fields) with the columns listed here, so the list cannot drift from what is served.
 */

/** One downloadable form of a dataset. */
export interface DatasetFile {
  format: 'CSV' | 'JSON';
  /** The URL; `{code}` stands for a published survey's code. */
  href: string;
  /** CSV: the header cells in order. JSON: the fields of each entry of `items` (or of the document itself, `of: 'document'`). */
  columns: readonly string[];
  of?: 'items' | 'document';
  /** Columns that vary per dataset instance (a survey's questions), inserted before the last column. */
  variable?: { ja: string; en: string };
}

export interface Dataset {
  id: string;
  title: { ja: string; en: string };
  description: { ja: string; en: string };
  /** The module that serves it. */
  module: string;
  /** True when one file exists per published survey (`{code}` in the URLs). */
  perSurvey?: boolean;
  files: readonly DatasetFile[];
}

export const DATASETS: readonly Dataset[] = [
  {
    id: 'indicators',
    title: { ja: '成果指標と達成状況', en: 'Outcome indicators and their achievement' },
    description: { ja: '計画の成果指標ごとの基準値、目標値、最新値、達成率、評価、進捗。', en: 'Each outcome indicator of the plan: baseline, target, latest value, achievement rate, grade and on-track state.' },
    module: 'plan',
    files: [
      { format: 'CSV', href: '/opendata/indicators.csv', columns: ["指標コード code", "指標名 name", "単位 unit", "方向 direction", "基準値 baseline", "基準日 baseline date", "目標値 target", "目標期限 due date", "最新値 latest", "最新値の日付 latest date", "達成率 rate (%)", "評価 grade", "進捗 on track", "値の出所 source", "デモデータ demo"] },
      { format: 'JSON', href: '/opendata/indicators.json', columns: ["code", "name", "nameEn", "unit", "unitEn", "decimals", "direction", "sectionCode", "department", "baseline", "target", "latest", "achievement", "onTrack", "projection", "source"] },
    ],
  },
  {
    id: 'proposals',
    title: { ja: '市民提案', en: 'Citizen proposals' },
    description: { ja: '公開された市民提案と市の回答（提案者の氏名は含みません）。', en: 'Published citizen proposals and the city’s answers (never the proposer).' },
    module: 'proposals',
    files: [
      { format: 'CSV', href: '/opendata/proposals.csv', columns: ["提案番号 number", "年度 fiscal year", "受付日 received", "件名 title", "内容 body", "関連する節 section", "地域 area", "状態 status", "担当課 department", "回答期限 answer due", "期限延長の理由 extension reason", "回答区分 decision", "回答 answer", "回答日 answered", "実施日 implemented", "実施の内容 implementation", "賛同数 supports", "デモデータ demo"] },
      { format: 'JSON', href: '/opendata/proposals.json', columns: ["number", "title", "body", "status", "section", "decision", "answer", "supports", "receivedOn", "implementedOn", "fiscalYear", "area", "department", "answerDueOn", "dueExtension", "answeredOn", "implementationNote", "demo"] },
    ],
  },
  {
    id: 'proposals-statistics',
    title: { ja: '市民提案の年度別件数', en: 'Citizen proposals per fiscal year' },
    description: { ja: '年度ごとの受付、回答区分、実施の件数。', en: 'Proposals received, answered by decision and implemented, per fiscal year.' },
    module: 'proposals',
    files: [{ format: 'CSV', href: '/opendata/proposals-statistics.csv', columns: ["年度 fiscal year", "受付 received", "うち受付不可 declined", "うち取下げ withdrawn", "回答 answered", "採用・実現 adopt", "一部採用 partly_adopt", "調査検討 consider", "困難・不採用 not_adopt", "参考 reference", "実施 implemented", "デモデータを含む demo"] }],
  },
  {
    id: 'groups',
    title: { ja: '市民活動支援センター登録団体', en: 'Registered citizen groups' },
    description: { ja: '登録している団体のうち、団体が公開を選んだ項目。', en: 'Registered groups, with the details each group chose to publish.' },
    module: 'groups',
    files: [
      { format: 'CSV', href: '/opendata/groups.csv', columns: ["登録番号", "団体名", "団体名フリガナ", "団体の形態", "活動分野番号", "活動分野", "主な活動地域", "活動目的", "活動内容", "代表者", "連絡先", "設立年月日", "会員数", "会費", "ホームページ", "登録日", "有効期限", "デモデータ"] },
      { format: 'JSON', href: '/opendata/groups.json', columns: ["number", "name", "nameKana", "legalForm", "fields", "area", "purpose", "activities", "registeredOn", "validUntil", "representative", "publicContact", "foundedOn", "members", "fee", "website", "demo"] },
    ],
  },
  {
    id: 'procedures-statistics',
    title: { ja: '行政手続の利用件数', en: 'Use of administrative procedures' },
    description: { ja: '手続ごと・年度ごとのオンライン申請と窓口等の件数。', en: 'Online and counter applications per procedure and fiscal year.' },
    module: 'procedures',
    files: [{ format: 'CSV', href: '/opendata/procedures-statistics.csv', columns: ["年度", "手続コード", "手続名", "手続総件数", "うちオンライン数", "窓口等", "オンライン割合(%)", "デモデータを含む"] }],
  },
  {
    id: 'facilities',
    title: { ja: '公共施設一覧', en: 'Public facilities' },
    description: { ja: '推奨データセット「公共施設一覧」（2024年版）の項目に、分類と面積の項目を加えたもの。', en: 'The recommended dataset “public facilities” (2024 edition), plus category and area columns.' },
    module: 'facilities',
    files: [
      { format: 'CSV', href: '/opendata/facilities.csv', columns: ["全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英字", "名称_通称", "POIコード", "外部識別子", "外部識別子の値", "所在地_全国地方公共団体コード", "町字ID", "所在地_連結表記", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)", "緯度", "経度", "高度の種別", "高度の値", "電話番号", "内線番号", "連絡先メールアドレス", "連絡先FormURL", "連絡先備考（その他、SNSなど）", "郵便番号", "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能時間特記事項", "説明", "車椅子可", "車椅子貸出", "ツエ貸出", "バリアフリートイレ", "スロープ、エレベータ、エスカレータ", "点字ブロック等の移動支援", "点字や読上による支援", "盲導犬・介助犬、聴導犬同伴", "字幕", "筆談対応", "優先駐車場", "オストメイト対応トイレ", "授乳室", "おむつ替えコーナー", "飲食可否", "ベビーカー貸出", "ベビーカー利用", "URL", "画像", "画像_ライセンス", "備考", "分類", "延床面積", "敷地面積", "建築年", "供用開始日", "状態", "状態の日付", "デモデータ"] },
      { format: 'JSON', href: '/opendata/facilities.json', columns: ["id", "externalId", "name", "nameKana", "category", "park", "address", "latitude", "longitude", "floorArea", "siteArea", "yearBuilt", "responsible", "status", "currentStatus", "statusSince", "demo"] },
    ],
  },
  {
    id: 'series',
    title: { ja: '人口・市債残高・職員数の時系列', en: 'Population, ordinary debt and staff count' },
    description: { ja: '承認された時系列の値と出典。', en: 'Approved values of the series, with their sources.' },
    module: 'series',
    files: [
      { format: 'CSV', href: '/opendata/series.csv', columns: ["系列", "系列名", "基準日", "値", "単位", "出典", "備考", "デモ"] },
      { format: 'JSON', href: '/opendata/series.json', columns: ["name", "label", "unit", "values"] },
    ],
  },
  {
    id: 'availability',
    title: { ja: '情報システムの月別可用性', en: 'Monthly availability of the city’s systems' },
    description: { ja: 'システムごと・月ごとの可用性と停止時間（計画停止を除く）。', en: 'Availability and downtime per system and month (planned maintenance excluded).' },
    module: 'monitoring',
    files: [
      { format: 'CSV', href: '/opendata/monitoring/availability.csv', columns: ["月 month", "システム system", "指標対象 counted", "可用性% availability", "稼働秒 up_seconds", "停止秒 down_seconds", "不明秒 unknown_seconds", "計画停止秒 maintenance_seconds", "デモ demo"] },
      { format: 'JSON', href: '/opendata/monitoring/availability.json', columns: ["month", "system", "counted", "availability", "upSeconds", "downSeconds", "unknownSeconds", "maintenanceSeconds", "coverage", "demo"] },
    ],
  },
  {
    id: 'survey-results',
    title: { ja: '市民意識調査の集計結果', en: 'Survey results' },
    description: { ja: '公表した調査ごとの、設問・選択肢別の件数と割合（95%信頼区間つき）。', en: 'Each published survey’s counts and shares per question and choice, with 95% intervals.' },
    module: 'surveys',
    perSurvey: true,
    files: [
      { format: 'CSV', href: '/opendata/surveys/{code}/results.csv', columns: ["survey", "fiscalYear", "question", "choice", "label", "positive", "count", "respondents", "share", "sharePercentRounded", "low", "high", "demo"] },
      { format: 'JSON', href: '/opendata/surveys/{code}/results.json', of: 'document', columns: ["code", "title", "fiscalYear", "state", "population", "invited", "respondents", "openedOn", "closedOn", "publishedOn", "demo", "responseRate", "interval", "questions"] },
    ],
  },
  {
    id: 'survey-answers',
    title: { ja: '市民意識調査の匿名回答', en: 'Anonymous survey answers' },
    description: { ja: '公表した調査の回答を1件1行で（招待コードと自由記述は含みません）。', en: 'A published survey’s answers, one row each (no invitation codes, no free text).' },
    module: 'surveys',
    perSurvey: true,
    files: [
      {
        format: 'CSV',
        href: '/opendata/surveys/{code}/answers.csv',
        columns: ['survey', 'fiscalYear', 'channel', 'sex', 'ageGroup', 'area', 'demo'],
        variable: { ja: '設問ごとに1列（設問コード）、demo の前', en: 'one column per question (its code), before demo' },
      },
      { format: 'JSON', href: '/opendata/surveys/{code}/answers.json', columns: ["channel", "sex", "ageGroup", "area", "answers"] },
    ],
  },
];
