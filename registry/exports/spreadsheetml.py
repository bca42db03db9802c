"""An XLSX file (Office Open XML SpreadsheetML) written directly, one streamed row at a time.

A register at size L has millions of cells. openpyxl, even in write-only mode, makes a cell object, styles it
and serialises it through an element tree one cell at a time (about 40 times the CSV export's time, measured
at size S); this writes each row as text into the zipped sheet instead. It writes what the exports use and no
more: inline strings, numbers, dates, a fixed list of cell styles, column widths, row heights, a frozen
filtered heading row and the print setup.

A row's cells may leave out their reference (`r="B7"`: the schema makes it optional, and readers, openpyxl and
LibreOffice among them, place such a cell in the column after the one before it), so cells shared by many rows
are written as one piece of text made once. Sheets are written in any order and placed in the workbook's order
on close: a sheet whose content needs every other sheet's rows first (a cover with counts) is written last.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from openpyxl.utils import get_column_letter

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EPOCH = datetime(1899, 12, 30)  # day 0 of the 1900 date system, as spreadsheet programs count it
_DEFAULT_FONT = ('<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
                 '<scheme val="minor"/></font>')
_PIECES_PER_WRITE = 2_000  # pieces of rows joined before they go to the compressor: fewer, larger writes


@dataclass(frozen=True)
class CellStyle:
    """How a cell looks. A style that names no font part keeps the workbook's default font (Calibri 11); one
    that does is that font part alone, as openpyxl writes Font(bold=True)."""

    bold: bool = False
    size: float | None = None
    color: str | None = None  # font colour, RRGGBB
    fill: str | None = None  # solid fill, RRGGBB
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False
    number_format: str | None = None

    def font(self) -> str:
        if not (self.bold or self.size or self.color):
            return _DEFAULT_FONT
        parts = ['<b val="1"/>' if self.bold else "", f'<sz val="{self.size:g}"/>' if self.size else "",
                 f'<color rgb="00{self.color}"/>' if self.color else ""]
        return f"<font>{''.join(parts)}</font>"

    def alignment(self) -> str:
        attributes = [f'horizontal="{self.horizontal}"' if self.horizontal else "",
                      f'vertical="{self.vertical}"' if self.vertical else "", 'wrapText="1"' if self.wrap else ""]
        shown = " ".join(a for a in attributes if a)
        return f"<alignment {shown}/>" if shown else ""


def escape(text: str) -> str:
    """Text as XML character data; a carriage return as a reference, which a parser would otherwise read as a
    line feed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attribute(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def serial(value: date) -> float | int:
    """A date or time as the day number spreadsheet programs store."""
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
        return delta.days + delta.seconds / 86_400 + delta.microseconds / 86_400_000_000
    return (value - _EPOCH.date()).days


@dataclass
class _Sheet:
    title: str
    part: int  # xl/worksheets/sheet<part>.xml: parts are numbered as they are written
    print_title_rows: bool
    filter_ref: str | None = None  # known when the sheet is finished


class SheetWriter:
    """One worksheet being written: its columns' widths and settings are given first, then rows are added."""

    def __init__(self, stream: IO[bytes], widths: Sequence[float], *, frozen_heading: bool,
                 filtered: bool) -> None:
        self._stream = stream
        self._pending: list[str] = []
        self.rows = 0
        self.letters = [get_column_letter(index) for index in range(1, max(len(widths), 1) + 1)]
        self._filtered = filtered
        cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                       for i, w in enumerate(widths, start=1))
        pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>') if frozen_heading else ""
        # Printed (or saved as PDF) landscape on A3, every column on the page width.
        self._write(f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
                    '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
                    f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
                    f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')

    def _write(self, text: str) -> None:
        self._stream.write(text.encode("utf-8"))

    def row(self, height: float, *cells: str) -> int:
        """Add a row of cells, given as pieces of text in column order (as `text` and `number` make them,
        referring to row `next_row`, or without references)."""
        self.rows += 1
        pending = self._pending
        pending.append(f'<row r="{self.rows}" ht="{height:g}" customHeight="1">')
        pending.extend(cells)
        pending.append("</row>")
        if len(pending) >= _PIECES_PER_WRITE:
            self._write("".join(pending))
            pending.clear()
        return self.rows

    @property
    def filter_ref(self) -> str | None:
        """The filtered range: the heading row and every row written so far."""
        return f"A1:{self.letters[-1]}{max(self.rows, 1)}" if self._filtered else None

    @property
    def next_row(self) -> int:
        return self.rows + 1

    def close(self) -> None:
        self._write("".join(self._pending))
        self._pending.clear()
        tail = f'</sheetData>{f"<autoFilter ref={chr(34)}{self.filter_ref}{chr(34)}/>" if self._filtered else ""}'
        tail += '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        tail += '<pageSetup orientation="landscape" paperSize="8" fitToHeight="0" fitToWidth="1"/>'
        self._write(tail + "</worksheet>")


def text(ref: str, style: int, value: str) -> str:
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def number(ref: str, style: int, value: float | int) -> str:
    return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'


class WorkbookWriter:
    """The package: sheets are written in turn, then the workbook, its styles and properties on close."""

    def __init__(self, target: IO[bytes], styles: Sequence[CellStyle], *, title: str, created: datetime) -> None:
        # Fast deflate: most of the file is repeated markup, which the fastest level already shrinks well.
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._styles = list(styles)
        self._sheets: list[_Sheet] = []
        self._title = title
        self._created = created
        self._open: tuple[SheetWriter, IO[bytes], _Sheet] | None = None

    def style(self, style: CellStyle) -> int:
        """The index cells use for `style` (0: no style)."""
        return self._styles.index(style) + 1

    def sheet(self, title: str, widths: Sequence[float], *, frozen_heading: bool = False, filtered: bool = False,
              print_title_rows: bool = False, position: int | None = None) -> SheetWriter:
        """Start a sheet (finishing the one before), placed at `position` in the workbook's sheets (default:
        after those so far). `filtered`: an autofilter over the heading row and every row written."""
        self._finish_sheet()
        sheet = _Sheet(title, len(self._sheets) + 1, print_title_rows)
        self._sheets.insert(len(self._sheets) if position is None else position, sheet)
        stream = self._zip.open(f"xl/worksheets/sheet{sheet.part}.xml", "w", force_zip64=True)
        writer = SheetWriter(stream, widths, frozen_heading=frozen_heading, filtered=filtered)
        self._open = (writer, stream, sheet)
        return writer

    def _finish_sheet(self) -> None:
        if self._open is not None:
            writer, stream, sheet = self._open
            writer.close()
            stream.close()
            sheet.filter_ref = writer.filter_ref
            self._open = None

    def close(self) -> None:
        self._finish_sheet()
        count = len(self._sheets)
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for i in range(1, count + 1))
        self._zip.writestr("[Content_Types].xml", (
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'{overrides}<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>'))
        self._zip.writestr("_rels/.rels", (
            f'{_HEAD}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{_PACKAGE_RELATIONSHIPS}/metadata/core-properties" '
            'Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_RELATIONSHIPS}/extended-properties" Target="docProps/app.xml"/>'
            '</Relationships>'))
        created = self._created.replace(tzinfo=None, microsecond=0).isoformat() + "Z"
        self._zip.writestr("docProps/core.xml", (
            f'{_HEAD}<cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{escape(self._title)}</dc:title><dc:creator>flowreg</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified></cp:coreProperties>'))
        self._zip.writestr("docProps/app.xml", (
            f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            '<Application>flowreg</Application></Properties>'))
        sheets = "".join(f'<sheet name="{_attribute(s.title)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, s in enumerate(self._sheets, start=1))
        names = []
        for index, sheet in enumerate(self._sheets):
            quoted = "'" + sheet.title.replace("'", "''") + "'"
            if sheet.filter_ref:
                first, last = sheet.filter_ref.split(":")
                absolute = ":".join("$" + "".join(c for c in part if c.isalpha()) + "$"
                                    + "".join(c for c in part if c.isdigit()) for part in (first, last))
                names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                             f'{escape(quoted)}!{absolute}</definedName>')
            if sheet.print_title_rows:
                names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                             f'{escape(quoted)}!$1:$1</definedName>')
        defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
        self._zip.writestr("xl/workbook.xml", (
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>{defined}</workbook>'))
        relations = "".join(f'<Relationship Id="rId{i}" Type="{_RELATIONSHIPS}/worksheet" '
                            f'Target="worksheets/sheet{s.part}.xml"/>' for i, s in enumerate(self._sheets, start=1))
        self._zip.writestr("xl/_rels/workbook.xml.rels", (
            f'{_HEAD}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{relations}'
            f'<Relationship Id="rId{count + 1}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
            '</Relationships>'))
        self._zip.writestr("xl/styles.xml", self._styles_part())
        self._zip.close()

    def _styles_part(self) -> str:
        formats = list(dict.fromkeys(s.number_format for s in self._styles if s.number_format))
        format_ids = {f: 164 + i for i, f in enumerate(formats)}  # ids below 164 are built in
        fonts = list(dict.fromkeys([_DEFAULT_FONT, *(s.font() for s in self._styles)]))
        fills = list(dict.fromkeys(s.fill for s in self._styles if s.fill))
        fill_ids = {f: 2 + i for i, f in enumerate(fills)}  # 0 and 1 are the two fills every workbook has
        xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
        for s in self._styles:
            alignment = s.alignment()
            xfs.append(f'<xf numFmtId="{format_ids.get(s.number_format or "", 0)}" fontId="{fonts.index(s.font())}" '
                       f'fillId="{fill_ids.get(s.fill or "", 0)}" borderId="0" xfId="0"'
                       + (' applyNumberFormat="1"' if s.number_format else "")
                       + (' applyFont="1"' if s.font() != _DEFAULT_FONT else "")
                       + (' applyFill="1"' if s.fill else "")
                       + (f' applyAlignment="1">{alignment}</xf>' if alignment else "/>"))
        number_formats = "".join(f'<numFmt numFmtId="{format_ids[f]}" formatCode="{_attribute(f)}"/>'
                                 for f in formats)
        fill_xml = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="00{f}"/>'
                           '</patternFill></fill>' for f in fills)
        return (f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
                + (f'<numFmts count="{len(formats)}">{number_formats}</numFmts>' if formats else "")
                + f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
                f'<fills count="{len(fills) + 2}"><fill><patternFill/></fill>'
                f'<fill><patternFill patternType="gray125"/></fill>{fill_xml}</fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                '</styleSheet>')
