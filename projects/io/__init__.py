"""Data in and out (SPEC 8, issue 9): bulk import, streamed exports, the IATI activity XML.

* `columns`: the column layout of each record type and the conversion between a record's content
  (the API's JSON shape, `projects.domain.content.content_of`) and a flat row;
* `readers` / `writers`: CSV, XLSX and JSON in, CSV, XLSX, JSON and GeoJSON out, row by row;
* `exporting`: the rows a caller may see, with the list's filters, as a stream;
* `importing`: the import service (dry run or one transaction), built on projects.domain.services;
* `iati`: published projects as IATI 2.03 activity XML.

The formula escaping of every CSV and XLSX cell is `registry.formula_escape` (the API's CSV renderer
uses it too).
"""
