from drf_spectacular.utils import extend_schema
from rest_framework.generics import RetrieveAPIView

from .serializers import MeSerializer


@extend_schema(summary="The logged-in user")
class MeView(RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user
