"""Evidence packets: per month, one folder per client and one for the whole organisation,
with `packet.html` (one self-contained page), `summary.md` and the tables behind them as CSV
and Parquet. Read from the analysts' snapshot of the marts, never from the warehouse itself.

tables.py   what a packet shows: one parameterised query per table, scoped to a client
summary.py  the executive summary, in sentences generated from those tables
charts.py   the charts, as inline SVG
page.py     the HTML page
packets.py  writing a month's packets, each folder swapped in whole
"""
