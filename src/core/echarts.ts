/**
 * ECharts (server-side SVG charts), loaded once, on the first chart or by a warm-up after the
 * server listens — never at start-up. It comes from the package's one-file ESM build: the
 * package's index pulls in several hundred module files (~630 ms to load on this machine),
 * the one-file build the same library and version in ~90 ms.
 */
type ECharts = typeof import('echarts');

// A specifier in a variable: the one-file build has no type declarations of its own (it is the
// package's index, bundled), so its type is the index's.
const ONE_FILE_BUILD = 'echarts/dist/echarts.esm.min';
let loading: Promise<ECharts> | undefined;

export const loadEcharts = (): Promise<ECharts> => (loading ??= import(ONE_FILE_BUILD) as Promise<ECharts>);
