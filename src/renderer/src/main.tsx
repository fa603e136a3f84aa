/** Renderer entry: mounts the app. All session logic lives in the main process; this is a view of it. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import './styles/app.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ErrorBoundary scope="app" label="Latchkey">
        <App />
      </ErrorBoundary>
    </StrictMode>,
  );
}
