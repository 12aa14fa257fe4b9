import { LabIcon } from '@jupyterlab/ui-components';

/** A torch: a flame over a handle, in the theme's icon colour (`jp-icon3`). */
const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M12 1.5c1.1 3.4-2 4.9-2 7.8 0 1.3.9 2.2 2 2.2s1.9-.9 1.9-2.1c0-.7-.2-1.4-.5-2 2.7 1.5 4.4 4.2 4.4 6.9a5.8 5.8 0 0 1-11.6 0C6.2 9.1 11.5 6.4 12 1.5z"/>
  <path class="jp-icon3" fill="#616161" d="M9.2 19.4h5.6l-1.1 3.6h-3.4z"/>
</svg>`;

export const tinytorchIcon = new LabIcon({ name: 'tinytorch:torch', svgstr });
