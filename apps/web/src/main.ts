import './styles.css';
import { Api, ApiError, LiveSocket, apiKeyFromPage } from './api';
import { CandleChartPanel } from './candle-chart.panel';
import { FlowMapPanel } from './flow-map.panel';
import { el } from './format';
import { LiquidationTapePanel } from './liquidation-tape.panel';
import { StatusStripPanel } from './status-strip.panel';
import { TokenTablePanel } from './token-table.panel';

function section(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  return element;
}

/** Runs one panel; a failure shows in the panel instead of stopping the others. */
async function run(root: HTMLElement, start: () => Promise<void>): Promise<void> {
  try {
    await start();
    root.dataset['started'] = 'true';
  } catch (error) {
    root.dataset['started'] = 'failed';
    root.append(
      el('p', { class: 'error', role: 'alert', text: `Could not start: ${(error as Error).message}` }),
    );
  }
}

async function main(): Promise<void> {
  const api = new Api(apiKeyFromPage());
  const connection = section('connection');
  const socket = new LiveSocket(api.socketUrl(), (state, detail) => {
    connection.dataset['state'] = state;
    connection.textContent = state === 'open' ? (detail ? `live · ${detail}` : 'live') : state;
  });
  try {
    await api.discover();
  } catch (error) {
    document.body.dataset['ready'] = 'failed';
    section('status').append(
      el('p', {
        class: 'error',
        role: 'alert',
        text: `The gateway did not answer: ${(error as Error).message}`,
      }),
    );
    return;
  }
  // A gateway without anonymous reads answers 401 to every panel: say once how to give the key.
  try {
    if (api.has('/api/system/status')) await api.get('/api/system/status');
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 429)) {
      document.body.dataset['ready'] = 'failed';
      section('status').append(
        el('p', {
          class: 'error',
          role: 'alert',
          text:
            error.status === 401
              ? 'This gateway needs an API key: open this page as /app/?api_key=<your key> (it is then remembered in this browser).'
              : `Rate limited: ${error.message}`,
        }),
      );
      return;
    }
  }
  socket.connect();
  await Promise.all([
    run(section('status'), () => new StatusStripPanel(section('status'), api).start()),
    run(section('flow'), () => new FlowMapPanel(section('flow'), api, socket).start()),
    run(section('tape'), () => new LiquidationTapePanel(section('tape'), api, socket).start()),
    run(section('tokens'), () => new TokenTablePanel(section('tokens'), api, socket).start()),
    run(section('candles'), () => new CandleChartPanel(section('candles'), api).start()),
  ]);
  document.body.dataset['ready'] = 'true';
  // For the browser test and the curious: updates received per channel.
  (window as unknown as { mdpLive: Record<string, number> }).mdpLive = socket.received;
}

void main();
