import pytest

from tkctl.core.diff import FieldChange, field_changes


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ({"name": "a"}, {"name": "a"}, []),
        ({"name": "a"}, {"name": "b"}, [FieldChange("name", "a", "b")]),
        ({"image": None}, {"image": "http://x/y.png"}, [FieldChange("image", None, "http://x/y.png")]),
        # nested widget config: one path per leaf that changed
        ({"ui": {"localization": {"submit_button": "Book it", "x": 1}}},
         {"ui": {"localization": {"submit_button": "Book now", "x": 1}}},
         [FieldChange("ui.localization.submit_button", "Book it", "Book now")]),
        ({"ui": {"a": 1}}, {"ui": {"a": 1, "b": {"c": 2}}}, [FieldChange("ui.b", None, {"c": 2})]),
        ({"ui": {"a": 1, "b": 2}}, {"ui": {"a": 1}}, [FieldChange("ui.b", 2, None)]),
        ({"ui": {"a": "1"}}, {"ui": {"a": 1}}, [FieldChange("ui.a", "1", 1)]),
        # a list inside a nested object is shown whole, once
        ({"customer_fields": {"dept": {"enum": ["a", "b"]}}},
         {"customer_fields": {"dept": {"enum": ["a", "c", "d"]}}},
         [FieldChange("customer_fields.dept.enum", ["a", "b"], ["a", "c", "d"])]),
        # a top-level list is shown whole
        ({"tags": ["a"]}, {"tags": ["a", "b"]}, [FieldChange("tags", ["a"], ["a", "b"])]),
        # an object replaced by null
        ({"ui": {"a": 1}}, {"ui": None}, [FieldChange("ui", {"a": 1}, None)]),
        # keys that look private to Python are data (found by tests/unit/core/test_core_properties.py)
        ({"ui": {"__v": 1}}, {"ui": {"__v": 2}}, [FieldChange("ui.__v", 1, 2)]),
        ({"meta": {"a": {"__x": None}}}, {"meta": {"a": {}}}, [FieldChange("meta.a.__x", None, None)]),
        # an equal value of another type is no change beside a real one (same finder)
        ({"ui": {"a": 1, "b": 2}}, {"ui": {"a": 1.0, "b": 3}}, [FieldChange("ui.b", 2, 3)]),
        ({"ui": {"a": [1], "b": 2}}, {"ui": {"a": [1.0], "b": 3}}, [FieldChange("ui.b", 2, 3)]),
        ({"ui": {"a": {"x": 0}, "b": 2}}, {"ui": {"a": {"x": 0.0}, "b": 3}}, [FieldChange("ui.b", 2, 3)]),
    ],
)
def test_field_changes(old, new, expected):
    assert field_changes(old, new) == expected
