"""Number formats for Simplified Chinese, over Django's own (which it falls back to for everything else).

Django's zh_Hans locale sets no thousands separator and groups by four (万), so `intcomma` printed 1234567 on
Chinese pages where English ones print 1,234,567. Business figures in mainland China are written with a comma
every three digits, as in the reports our users compare against.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
