#!/usr/bin/env python3
"""Generate the hostile-file corpus (Python 3 standard library only).

    tests/hostile/gen.py OUT_DIR

writes each file under OUT_DIR and OUT_DIR/manifest.json: a list of
{"file", "query", "content_type", "why"} saying how scripts/hostile posts it. Every one of
them must be refused (a 4xx, or a background import that fails) without the server's memory
growing past its bound. The files are made, not stored: several inflate to hundreds of MB.
"""

import io
import json
import os
import struct
import sys
import zipfile

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_parts(sheet_name="List 3"):
    """The parts of a minimal workbook with one sheet (xl/worksheets/sheet1.xml)."""
    return [
        ("[Content_Types].xml",
         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
         '</Types>'),
        ("_rels/.rels",
         '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>'),
        ("xl/workbook.xml",
         f'<?xml version="1.0"?><workbook xmlns="{SHEET_NS}" '
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
         f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        ("xl/_rels/workbook.xml.rels",
         '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
         '</Relationships>'),
    ]


def write_workbook(path, sheet_chunks, extra=()):
    """A workbook whose sheet1.xml is the concatenation of `sheet_chunks` (an iterable of str,
    streamed into the deflater so that a sheet of hundreds of MB is never held here)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in workbook_parts():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(f'<?xml version="1.0"?><worksheet xmlns="{SHEET_NS}"><sheetData>'.encode())
            for chunk in sheet_chunks:
                f.write(chunk.encode())
            f.write(b"</sheetData></worksheet>")
        for name, text in extra:
            z.writestr(name, text)


def cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def lie_about_size(path, entry, declared):
    """Rewrite the uncompressed size that `entry`'s local and central headers declare (the
    data and CRC stay): a reader trusting the header would expect `declared` bytes."""
    data = bytearray(open(path, "rb").read())
    name = entry.encode()
    i = 0
    while True:
        i = data.find(name, i)
        if i < 0:
            break
        # Local header: signature PK\3\4 at i-30; central: PK\1\2 at i-46.
        if data[i - 30:i - 26] == b"PK\x03\x04":
            size_at = i - 30 + 22
        elif data[i - 46:i - 42] == b"PK\x01\x02":
            size_at = i - 46 + 24
        else:
            i += 1
            continue
        if struct.unpack_from("<I", data, size_at)[0] != 0xFFFFFFFF:  # not a zip64 marker
            struct.pack_into("<I", data, size_at, declared)
        i += 1
    open(path, "wb").write(bytes(data))


CENSUS_HEAD = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Message><Header><CollectionDetails>"
               "<Collection>CIN</Collection><Year>2024</Year><ReferenceDate>2024-03-31</ReferenceDate>"
               "</CollectionDetails></Header><Children>\n")


def census_child(i):
    return (f"<Child><ChildIdentifiers><LAchildID>HOSTILE{i:07d}</LAchildID><PersonBirthDate>2015-03-27"
            f"</PersonBirthDate><Sex>1</Sex></ChildIdentifiers><CINdetails><CINreferralDate>2023-06-01"
            "</CINreferralDate><ReferralSource>1A</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>"
            "</CINdetails></Child>\n")


def main(out):
    os.makedirs(out, exist_ok=True)
    manifest = []

    def add(name, query, content_type, why, data=None):
        if data is not None:
            mode = "wb" if isinstance(data, bytes) else "w"
            with open(os.path.join(out, name), mode) as f:
                f.write(data)
        manifest.append({"file": name, "query": query, "content_type": content_type, "why": why})

    annex = "format=annex-a"
    cin = "format=cin-census"
    s903 = "format=ssda903"

    # --- xlsx -------------------------------------------------------------------------
    write_workbook(os.path.join(out, "sparse-bomb.xlsx"),
                   [f'<row r="1">{cell("A1", "Child Unique ID")}</row>',
                    f'<row r="1048576">{cell("XFD1048576", "x")}</row>'])
    add("sparse-bomb.xlsx", annex, XLSX, "two cells, A1 and XFD1048576: a dense range of 17 billion cells")

    row = "<row>" + "<c><v>1</v></c>" * 16384 + "</row>"
    write_workbook(os.path.join(out, "dense-bomb.xlsx"),
                   [f'<row r="1">{cell("A1", "Child Unique ID")}</row>'] + [row] * 300)
    add("dense-bomb.xlsx", annex, XLSX, "4.9 million real cells (300 full-width rows)")

    big_row = "<row>" + cell("A1", "x" * 200) * 50 + "</row>"
    n = 250_000_000 // len(big_row)
    write_workbook(os.path.join(out, "inflate-250mb.xlsx"), (big_row for _ in range(n)))
    add("inflate-250mb.xlsx", annex, XLSX, "a sheet of under 1 MB that inflates to ~250 MB")

    write_workbook(os.path.join(out, "inflate-lying-header.xlsx"), (big_row for _ in range(n)))
    lie_about_size(os.path.join(out, "inflate-lying-header.xlsx"), "xl/worksheets/sheet1.xml", 1000)
    add("inflate-lying-header.xlsx", annex, XLSX,
        "the same sheet, its zip headers declaring 1,000 bytes")

    with zipfile.ZipFile(os.path.join(out, "many-parts.xlsx"), "w", zipfile.ZIP_STORED) as z:
        for name, text in workbook_parts():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{SHEET_NS}"><sheetData/></worksheet>')
        for i in range(20_000):
            z.writestr(f"x/{i}", "")
    add("many-parts.xlsx", annex, XLSX, "20,000 parts in the archive")

    small = io.BytesIO()
    write_workbook(small, [f'<row r="1">{cell("A1", "Child Unique ID")}</row>'])
    whole = small.getvalue()
    add("truncated.xlsx", annex, XLSX, "a workbook cut in half", whole[: len(whole) // 2])
    add("truncated-tail.xlsx", annex, XLSX, "a workbook without its last 22 bytes", whole[:-22])

    notwb = io.BytesIO()
    with zipfile.ZipFile(notwb, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    add("not-a-workbook.xlsx", annex, XLSX, "a zip that is not a workbook", notwb.getvalue())
    add("garbage.xlsx", annex, XLSX, "random bytes", os.urandom(64 * 1024))

    sheet_laughs = io.BytesIO()
    with zipfile.ZipFile(sheet_laughs, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in workbook_parts():
            z.writestr(name, text)
        ents = '<!ENTITY l0 "lol">' + "".join(
            f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
        z.writestr("xl/worksheets/sheet1.xml",
                   f'<?xml version="1.0"?><!DOCTYPE worksheet [{ents}]><worksheet xmlns="{SHEET_NS}">'
                   f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row>'
                   '</sheetData></worksheet>')
    add("sheet-billion-laughs.xlsx", annex, XLSX, "a sheet with entity definitions (billion laughs)",
        sheet_laughs.getvalue())

    # --- XML (CIN census, SSDA903) ----------------------------------------------------------
    for depth in (200_000, 20_000):
        add(f"cin-deep-{depth}.xml", cin, "application/xml", f"elements nested {depth:,} deep",
            "<Message>" + "<a>" * depth + "</a>" * depth + "</Message>")
        add(f"ssda903-deep-{depth}.xml", s903, "application/xml", f"elements nested {depth:,} deep",
            "<EXPSSDA903>" + "<CHILD>" * depth + "</CHILD>" * depth + "</EXPSSDA903>")

    with open(os.path.join(out, "cin-wide.xml"), "w") as f:
        f.write("<Message><Header/>")
        for _ in range(1100):
            f.write("<a/>" * 10_000)
        f.write("</Message>")
    add("cin-wide.xml", cin, "application/xml", "11 million sibling elements (44 MB, in the background)")

    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY l0 "lol">'
              + "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
              + ']>\n')
    add("cin-billion-laughs.xml", cin, "application/xml", "entities expanding to 10^9 lols",
        laughs + CENSUS_HEAD.split("\n", 1)[1].replace("<Collection>CIN", "<Collection>&l9;") + census_child(1) + "</Children></Message>")
    add("ssda903-billion-laughs.xml", s903, "application/xml", "entities expanding to 10^9 lols",
        laughs.replace("Message", "EXPSSDA903") + "<EXPSSDA903><CHILD><HEADER><CHILDID>&l9;</CHILDID></HEADER></CHILD></EXPSSDA903>")
    add("cin-external-entity.xml", cin, "application/xml", "an external entity (file:///etc/passwd)",
        '<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        + CENSUS_HEAD.split("\n", 1)[1].replace("<Collection>CIN", "<Collection>&x;") + census_child(1) + "</Children></Message>")
    add("cin-utf16.xml", cin, "application/xml", "a census in UTF-16",
        (CENSUS_HEAD.replace("UTF-8", "UTF-16") + census_child(1) + "</Children></Message>").encode("utf-16"))
    add("cin-binary.xml", cin, "application/xml", "random bytes", os.urandom(64 * 1024))
    add("cin-empty.xml", cin, "application/xml", "an empty file", b"")
    add("cin-unclosed.xml", cin, "application/xml", "a census cut short",
        CENSUS_HEAD + census_child(1) + census_child(2)[:60])

    # --- CSV / NDJSON -------------------------------------------------------------------------
    add("ssda903-huge-line.csv", s903, "text/csv", "a 2 MB line in an SSDA903 table",
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/01/2010,WBRI," + "A" * (2 << 20) + ",,\n")
    add("ssda903-wide-header.csv", s903, "text/csv", "a header row of 5,000 columns",
        ",".join(f"C{i}" for i in range(5000)) + "\n")
    add("ssda903-utf16.csv", s903, "text/csv", "an SSDA903 table in UTF-16",
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/01/2010,WBRI,,,\n".encode("utf-16"))
    add("children-huge-line.ndjson", "type=children", "application/x-ndjson", "a 2 MB NDJSON line",
        '{"id":"h1","team":"' + "x" * (2 << 20) + '"}\n')
    add("children-huge-line.csv", "type=children", "text/csv", "a 2 MB CSV line",
        "id,team\nh1," + "x" * (2 << 20) + "\n")
    add("children-wide-header.csv", "type=children", "text/csv", "a header row of 100,000 columns",
        "id," + ",".join(f"c{i}" for i in range(100_000)) + "\nh1\n")
    add("children-latin1.csv", "type=children", "text/csv", "a CSV in Latin-1 (not UTF-8)",
        "id,team\nh1,Caf\xe9\n".encode("latin-1"))

    # The worker-kill test's file: a valid census that would write 150,000 children if the
    # worker were not killed while reading it.
    with open(os.path.join(out, "kill-census.xml"), "w") as f:
        f.write(CENSUS_HEAD)
        for i in range(150_000):
            f.write(census_child(i))
        f.write("</Children></Message>\n")

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
