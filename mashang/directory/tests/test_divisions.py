from mashang.directory.models import Division


def test_subtree_is_the_division_and_everything_below(county):
    codes = set(Division.objects.subtree(county.town_a).values_list("code", flat=True))
    assert codes == {"430422101", "430422101201", "430422101201001"}


def test_full_name_reads_from_the_county_down(county):
    assert county.hamlet_a.full_name == "衡南县茶市镇新塘村老屋场党小组"


def test_moving_a_division_rebuilds_its_path(county):
    county.village_b.parent = county.town_a
    county.village_b.save()
    assert county.village_b.path.startswith(county.town_a.path)
    assert county.village_b.ancestor_at("township") == county.town_a


def test_moving_a_division_carries_its_descendants(county):
    county.village_a.parent = county.town_b
    county.village_a.save()
    county.hamlet_a.refresh_from_db()
    assert county.hamlet_a.ancestor_at("township") == county.town_b
    assert set(Division.objects.subtree(county.town_a).values_list("code", flat=True)) == {
        "430422101"
    }
