"""Reads of the improvement loop: the suggestions and measures that concern a service type or a segment."""

import pytest

from satisfaction.improvements.selectors import measure_list, suggestion_list
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def test_what_concerns_a_service_type_and_a_segment(service_types):
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    p5 = f.CustomerFactory(name="P5")
    f.ContactFactory(customer=p5, contact_priority=5)
    p1 = f.CustomerFactory(name="P1")
    f.ContactFactory(customer=p1, contact_priority=1)
    overall = f.SuggestionFactory(title_en="overall")
    about_legal = f.SuggestionFactory(title_en="legal", service_type=legal)
    about_data = f.SuggestionFactory(title_en="data", service_type=data)
    about_p1 = f.SuggestionFactory(title_en="p1", segment_priority=1)
    account_p5 = f.SuggestionFactory(title_en="account p5", customer=p5)
    account_p1 = f.SuggestionFactory(title_en="account p1", customer=p1)
    assert set(suggestion_list()) == {overall, about_legal, about_data, about_p1, account_p5, account_p1}
    # About the service type or about none; about another service type is left out.
    assert set(suggestion_list(service_type_code="legal_consultation")) == {overall, about_legal, about_p1,
                                                                            account_p5, account_p1}  # fmt: skip
    # About the segment, one of its customers, or no segment and no customer.
    assert set(suggestion_list(segment_priority=5)) == {overall, about_legal, about_data, account_p5}
    assert set(suggestion_list(segment_priority=1)) == {overall, about_legal, about_data, about_p1, account_p1}
    legal_measure = f.MeasureFactory(service_type=legal)
    data_measure = f.MeasureFactory(service_type=data)
    p1_measure = f.MeasureFactory(segment_priority=1)
    assert set(measure_list(service_type_code="data_analysis")) == {data_measure, p1_measure}
    assert set(measure_list(segment_priority=5)) == {legal_measure, data_measure}
