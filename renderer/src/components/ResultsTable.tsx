import { useMemo, useState } from 'react';
import {
  type ColumnDef,
  type SortingState,
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getPaginationRowModel,
  getSortedRowModel,
  useReactTable,
} from '@tanstack/react-table';
import type { UiRow } from '../../../preload/ipc-contract';
import { baseName, bytes, fmt } from '../format';
import { availableMetrics } from '../metrics';

const num = (digits: number) => (v: unknown) => fmt(v as number | null, digits);

/** Rows drawn at once: a 54,000-row run drew every row (minutes); sorting and filtering still cover them all. */
const PAGE_SIZES = [50, 100, 250, 1000] as const;

/**
 * Every result row, sortable and filterable, a page at a time. `onFiltered` gets every row the filters and
 * sorting leave (not only the page's), which the export writes.
 */
export function ResultsTable({ rows, onView, onFiltered }: { rows: UiRow[]; onView: (row: UiRow) => void; onFiltered?: (rows: UiRow[]) => void }) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const [pagination, setPagination] = useState({ pageIndex: 0, pageSize: 100 });
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState<'all' | 'ok' | 'error'>('all');
  const [provider, setProvider] = useState('all');
  const providers = useMemo(() => [...new Set(rows.map((r) => r.provider))], [rows]);
  // the perceptual scores' columns only when the run computed them
  const perceptual = useMemo(() => availableMetrics(rows).filter((m) => m.key === 'ssimulacra2' || m.key === 'butteraugli' || m.key === 'butteraugli_3norm'), [rows]);
  const data = useMemo(() => rows.filter((r) => (status === 'all' || r.status === status) && (provider === 'all' || r.provider === provider)), [rows, status, provider]);

  const columns = useMemo<ColumnDef<UiRow>[]>(
    () => [
      { accessorKey: 'status', header: 'Status', cell: (c) => <span className={`pill ${c.getValue()}`}>{String(c.getValue())}</span> },
      { accessorKey: 'image_path', header: 'Image', cell: (c) => <span title={String(c.getValue())}>{baseName(String(c.getValue()))}</span> },
      { accessorKey: 'provider', header: 'Provider' },
      { accessorKey: 'original_bytes', header: 'Original', cell: (c) => bytes(c.getValue() as number) },
      { accessorKey: 'stored_bytes', header: 'Stored', cell: (c) => bytes(c.getValue() as number) },
      { accessorKey: 'saved_percent', header: 'Saved %', cell: (c) => num(1)(c.getValue()) },
      { accessorKey: 'orb_score', header: 'ORB', cell: (c) => num(3)(c.getValue()) },
      { accessorKey: 'psnr', header: 'PSNR dB', cell: (c) => (c.row.original.identical ? '∞' : num(2)(c.getValue())) },
      { accessorKey: 'ssim', header: 'SSIM', cell: (c) => num(3)(c.getValue()) },
      ...perceptual.map((m): ColumnDef<UiRow> => ({ accessorKey: m.column, header: m.label, cell: (c) => num(m.digits)(c.getValue()) })),
      { accessorKey: 'upscale_ms', header: 'Time ms', cell: (c) => num(0)(c.getValue()) },
      { accessorKey: 'error', header: 'Error', cell: (c) => <span className="error-text">{String(c.getValue() ?? '')}</span> },
      {
        id: 'view',
        header: () => <span className="sr-only">View</span>,
        cell: (c) =>
          c.row.original.status === 'ok' ? (
            <button onClick={() => onView(c.row.original)} aria-label={`View ${baseName(c.row.original.image_path)} (${c.row.original.provider})`}>
              View
            </button>
          ) : null,
      },
    ],
    [onView, perceptual],
  );

  const table = useReactTable({
    data,
    columns,
    state: { sorting, globalFilter: filter, pagination },
    onSortingChange: setSorting,
    onGlobalFilterChange: setFilter,
    onPaginationChange: setPagination,
    getPaginationRowModel: getPaginationRowModel(),
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    globalFilterFn: (row, _id, value) => `${row.original.image_path} ${row.original.error} ${row.original.notes}`.toLowerCase().includes(String(value).toLowerCase()),
  });
  const matching = table.getPrePaginationRowModel().rows;
  onFiltered?.(matching.map((r) => r.original));
  const pages = table.getPageCount();
  const first = matching.length ? pagination.pageIndex * pagination.pageSize + 1 : 0;
  const last = Math.min(matching.length, (pagination.pageIndex + 1) * pagination.pageSize);

  return (
    <div className="results-table">
      <div className="row filters">
        <label>
          Filter <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name, error, note" aria-label="Filter rows" />
        </label>
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)} aria-label="Status filter">
            <option value="all">all</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
          </select>
        </label>
        <label>
          Provider{' '}
          <select value={provider} onChange={(e) => setProvider(e.target.value)} aria-label="Provider filter">
            <option value="all">all</option>
            {providers.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <span className="hint" data-testid="row-count">
          {matching.length.toLocaleString()} of {rows.length.toLocaleString()} rows
        </span>
      </div>
      <div className="scroll">
        <table>
          <thead>
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => {
                  const sorted = h.column.getIsSorted();
                  return (
                    <th key={h.id} aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}>
                      {h.column.getCanSort() ? (
                        <button className="sort" onClick={h.column.getToggleSortingHandler()}>
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          {sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}
                        </button>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((r) => (
              <tr key={r.id} className={r.original.status}>
                {r.getVisibleCells().map((c) => (
                  <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {matching.length > PAGE_SIZES[0] ? (
        <div className="row pager" role="group" aria-label="Pages">
          <button onClick={() => table.firstPage()} disabled={!table.getCanPreviousPage()} aria-label="First page">
            ⏮
          </button>
          <button onClick={() => table.previousPage()} disabled={!table.getCanPreviousPage()} aria-label="Previous page">
            ◀
          </button>
          <span data-testid="page">
            rows {first.toLocaleString()}–{last.toLocaleString()} · page {pagination.pageIndex + 1} of {pages.toLocaleString()}
          </span>
          <button onClick={() => table.nextPage()} disabled={!table.getCanNextPage()} aria-label="Next page">
            ▶
          </button>
          <button onClick={() => table.lastPage()} disabled={!table.getCanNextPage()} aria-label="Last page">
            ⏭
          </button>
          <label>
            Rows per page{' '}
            <select aria-label="Rows per page" value={pagination.pageSize} onChange={(e) => table.setPageSize(Number(e.target.value))}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>
      ) : null}
    </div>
  );
}
